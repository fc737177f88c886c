package gate

import (
	"context"

	"github.com/authgate/authgate/snapshot"
	"github.com/authgate/authgate/trend"
)

// Diff compares OLD and NEW: two snapshots, each run through the pipeline
// with o (prepared once, only when a snapshot is given), or two results
// JSON files read as they are. One of each is an InputError.
func Diff(ctx context.Context, o Options, oldPath, newPath string) (*trend.Report, error) {
	var plan *Plan
	load := func(path string) (*trend.Input, error) {
		if _, err := snapshot.PeekManifest(path); err != nil {
			in, rerr := trend.ReadResults(path)
			if rerr != nil {
				return nil, AsInput(rerr)
			}
			return in, nil
		}
		if plan == nil {
			p, err := Prepare(ctx, o)
			if err != nil {
				return nil, err
			}
			plan = p
		}
		res, err := Run(ctx, plan.WithSnapshot(path))
		if err != nil {
			return nil, err
		}
		in := trend.FromResult(path, res.Result)
		if in.Policy, err = plan.MethodsPolicy(path); err != nil {
			return nil, err
		}
		return in, nil
	}
	oldIn, err := load(oldPath)
	if err != nil {
		return nil, err
	}
	newIn, err := load(newPath)
	if err != nil {
		return nil, err
	}
	if (oldIn.Aggregates == nil) != (newIn.Aggregates == nil) {
		return nil, Inputf("diff: compare two snapshots or two results JSON files, not one of each")
	}
	return trend.Compare(oldIn, newIn), nil
}
