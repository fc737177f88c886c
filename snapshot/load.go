package snapshot

import "context"

// Load reads a whole snapshot into memory. Use it for small snapshots and
// tests; Scan streams large ones.
func Load(ctx context.Context, path string) (*Document, *Info, error) {
	var users []UserRegistrationDetails
	info, err := Scan(ctx, path, ScanOptions{}, func(chunk []UserRegistrationDetails) error {
		users = append(users, chunk...)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if users == nil {
		users = []UserRegistrationDetails{}
	}
	return &Document{
		SchemaVersion:            info.SchemaVersion,
		Manifest:                 info.Manifest,
		UsersRegisteredByFeature: info.UsersRegisteredByFeature,
		UsersRegisteredByMethod:  info.UsersRegisteredByMethod,
		UserRegistrationDetails:  users,
	}, info, nil
}
