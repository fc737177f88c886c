package result

// PolicySummary is what outputs show of the methods policy section: per
// method configuration its state, targets, and how many users of the
// per-user report registered a method it governs and how many it allows.
type PolicySummary struct {
	APIVersion string `json:"apiVersion"`
	Source     string `json:"source"`
	Reason     string `json:"reason,omitempty"`
	// MigrationState is policyMigrationState as Graph wrote it ("" when absent).
	MigrationState string         `json:"migrationState"`
	Methods        []PolicyMethod `json:"methods"`
	// UnresolvedGroups counts the target groups whose members Graph did not
	// give: Allowed then leaves their members out.
	UnresolvedGroups int `json:"unresolvedGroups"`
}

// PolicyMethod is one method configuration.
type PolicyMethod struct {
	ID    string `json:"id"`
	State string `json:"state"`
	// Include and Exclude describe the targets ("all users", "group <id>").
	Include string `json:"include"`
	Exclude string `json:"exclude"`
	// Registered counts users who registered a method this configuration
	// governs; Allowed users the configuration lets use it.
	Registered int64 `json:"registered"`
	Allowed    int64 `json:"allowed"`
}
