package tenantgen

// The generator's deterministic helpers, for the emulator's other synthetic
// data (token object ids, usage events): the same seed gives the same
// values in the users and in everything derived from them.

// Mix is the splitmix64 finaliser: a well-spread hash of z.
func Mix(z uint64) uint64 { return mix(z) }

// GUID formats 128 bits as a version-4 style GUID.
func GUID(hi, lo uint64) string { return guid(hi, lo) }

// FormatGUID formats 16 bytes as a GUID.
func FormatGUID(b [16]byte) string { return formatGUID(b) }

// AppendString appends s as a JSON string.
func AppendString(b []byte, s string) []byte { return appendString(b, s) }

// Rand is a splitmix64 stream seeded with its value.
type Rand uint64

// Intn returns a number in [0, n).
func (r *Rand) Intn(n int) int { return (*rng)(r).intn(n) }

// Float returns a number in [0, 1).
func (r *Rand) Float() float64 { return (*rng)(r).float() }

// Chance reports true with probability p.
func (r *Rand) Chance(p float64) bool { return (*rng)(r).chance(p) }
