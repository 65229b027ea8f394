// Package scope holds the set of cloud accounts a caller may see: the
// tenant scope that the engine applies to every question before a store
// reads a row.
//
// A Scope fails closed. Its zero value sees nothing, an empty account
// list sees nothing, and seeing every account is the explicit value All:
// no nil slice, missing field or forgotten assignment can widen a scope.
package scope

import (
	"slices"
	"strings"
)

// Scope is a set of cloud account ids (AWS accounts, Azure subscriptions,
// GCP projects, data center accounts), or every account. It is a value:
// methods never change it, and the ids it returns are copies.
type Scope struct {
	all      bool
	accounts []string // sorted, without duplicates; unused when all
}

// All sees every account: the scope of administrators of the default
// organization, the command line and the server's own pipeline.
func All() Scope { return Scope{all: true} }

// None sees nothing; it is the zero Scope.
func None() Scope { return Scope{} }

// Accounts sees exactly ids; no ids sees nothing.
func Accounts(ids ...string) Scope {
	out := slices.Clone(ids)
	slices.Sort(out)
	return Scope{accounts: slices.Compact(out)}
}

// IsAll reports whether s sees every account.
func (s Scope) IsAll() bool { return s.all }

// IsNone reports whether s sees no account at all.
func (s Scope) IsNone() bool { return !s.all && len(s.accounts) == 0 }

// IDs returns the accounts of a limited scope, sorted (never nil), and
// ok false for All, which no list can stand for.
func (s Scope) IDs() (ids []string, ok bool) {
	if s.all {
		return nil, false
	}
	return append([]string{}, s.accounts...), true
}

// Sees reports whether account is in s.
func (s Scope) Sees(account string) bool {
	if s.all {
		return true
	}
	_, found := slices.BinarySearch(s.accounts, account)
	return found
}

// Intersect returns the accounts both s and o see.
func (s Scope) Intersect(o Scope) Scope {
	switch {
	case s.all:
		return o
	case o.all:
		return s
	}
	var out []string
	for _, a := range s.accounts {
		if o.Sees(a) {
			out = append(out, a)
		}
	}
	return Scope{accounts: out}
}

// Equal reports whether s and o see the same accounts.
func (s Scope) Equal(o Scope) bool {
	return s.all == o.all && slices.Equal(s.accounts, o.accounts)
}

// String is "all" or the accounts in braces, for logs and test failures.
func (s Scope) String() string {
	if s.all {
		return "all"
	}
	return "{" + strings.Join(s.accounts, ",") + "}"
}
