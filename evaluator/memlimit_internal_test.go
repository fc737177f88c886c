package evaluator

import "testing"

// TestHeapLimit: the bound is the configured one, else the default, raised
// for a snapshot large enough that document scope could need more.
func TestHeapLimit(t *testing.T) {
	for _, tc := range []struct {
		configured uint64
		size       int64
		want       uint64
	}{
		{0, 0, DefaultMaxMemory},
		{0, 100 << 20, DefaultMaxMemory},
		{0, 570 << 20, 570 << 20 * documentFactor},
		{1 << 30, 570 << 20, 1 << 30},
		{0, -1, DefaultMaxMemory},
	} {
		if got := heapLimit(tc.configured, tc.size); got != tc.want {
			t.Errorf("heapLimit(%d, %d) = %d, want %d", tc.configured, tc.size, got, tc.want)
		}
	}
}
