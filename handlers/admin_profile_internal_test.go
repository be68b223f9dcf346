package handlers

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"gatehouse/client"
)

// TestAdminEditableRule: an admin may write every attribute but those Okta marks read-only or
// immutable for everyone (E0000077/E0000078); write-only ones are not shown at all. SELF's
// permission does not bind an admin.
func TestAdminEditableRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mutability    string
		self          client.SelfPermission
		visible, edit bool
	}{
		{mutability: "READ_WRITE", self: client.SelfReadWrite, visible: true, edit: true},
		{mutability: "READ_WRITE", self: client.SelfReadOnly, visible: true, edit: true},
		{mutability: "READ_WRITE", self: "HIDE", visible: true, edit: true},
		{mutability: "", visible: true, edit: true},
		{mutability: "READ_ONLY", visible: true, edit: false},
		{mutability: "IMMUTABLE", visible: true, edit: false},
		{mutability: "WRITE_ONLY", visible: false, edit: false},
	}
	for _, tt := range tests {
		t.Run(tt.mutability+"/"+string(tt.self), func(t *testing.T) {
			a := client.SchemaAttribute{Name: "x", Mutability: tt.mutability, Self: tt.self}
			assert.Equal(t, tt.visible, adminVisible(a))
			assert.Equal(t, tt.edit, adminEditable(a))
		})
	}
}

// TestOutcomeText: an audit outcome reads in words, Okta's code kept for support.
func TestOutcomeText(t *testing.T) {
	t.Parallel()
	tests := []struct{ result, detail, label, note string }{
		{"success", "", "Succeeded", ""},
		{"failure", "E0000038", "Failed", "Okta does not allow this in the account's status (E0000038)"},
		{"failure", "E0000006 · group \"Sales\"", "Failed", "Okta refused: Gatehouse's credential may not do this (E0000006) · group \"Sales\""},
		{"failure", "E0000999", "Failed", "Okta refused (E0000999)"},
		{"denied", "own account", "Refused by Gatehouse", "own account"},
		{"failure", "okta unavailable", "Failed", "okta unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.result+" "+tt.detail, func(t *testing.T) {
			label, note := outcomeText(t.Context(), tt.result, tt.detail)
			assert.Equal(t, tt.label, label)
			assert.Equal(t, tt.note, note)
		})
	}
}
