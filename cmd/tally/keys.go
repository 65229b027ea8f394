package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/tally-cost/tally/internal/storage"
	"github.com/tally-cost/tally/internal/tenant"
)

const keysUsage = `Usage:
  tally keys create --db DB --role admin|editor|viewer|partner [--org ID] [--customer ID] [--name NAME] [--replace]
  tally keys list   --db DB [--json]
  tally keys revoke --db DB ID
  tally keys rotate --db DB ID

The key is printed once, on create and rotate; only its SHA-256 is stored.
--replace revokes the other keys of the same name (rotation by name).
The database must not be open in a running "tally serve": manage keys of
a running server through POST /api/v1/keys with an admin key.
`

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return fmt.Errorf("%w: keys needs create, list, revoke or rotate", errUsage)
	}
	sub, rest := args[0], args[1:]
	fs := newFlags("keys "+sub, stdout, stderr)
	db := dbFlag(fs, "tally.duckdb", "database holding the keys")
	var (
		role            *string
		org, customer   *int64
		name            *string
		replace, asJSON *bool
	)
	switch sub {
	case "create":
		role = fs.String("role", "", "admin, editor, viewer or partner")
		org = fs.Int64("org", 0, "organization id (default: the default organization)")
		customer = fs.Int64("customer", 0, "partner customer id (client_api_id) the key belongs to")
		name = fs.String("name", "", "who holds the key")
		replace = fs.Bool("replace", false, "revoke the other keys of this name")
	case "list":
		asJSON = fs.Bool("json", false, "print JSON")
	case "revoke", "rotate":
	case "-h", "--help", "help":
		fmt.Fprint(stdout, keysUsage)
		return nil
	default:
		fmt.Fprint(stderr, keysUsage)
		return fmt.Errorf("%w: unknown keys command %q", errUsage, sub)
	}
	pos, err := parseFlags(fs, rest)
	if err != nil {
		return err
	}
	var id int64
	switch sub {
	case "revoke", "rotate":
		if len(pos) != 1 {
			return fmt.Errorf("%w: keys %s needs one key id (see tally keys list)", errUsage, sub)
		}
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil {
			return fmt.Errorf("%w: key id %q is not a number", errUsage, pos[0])
		}
	default:
		if len(pos) != 0 {
			return fmt.Errorf("%w: unexpected arguments %v", errUsage, pos)
		}
	}
	st, err := openDB(ctx, *db, storage.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	tenants, err := tenant.Open(ctx, st.State)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		if *role == "" {
			return fmt.Errorf("%w: --role is required (admin, editor, viewer or partner)", errUsage)
		}
		secret, k, err := tenants.CreateKey(ctx, tenant.System, tenant.KeySpec{Name: *name, Role: tenant.Role(*role),
			OrgID: *org, CustomerID: *customer, Replace: *replace})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "Created key %d (%s, %s, organization %d). It is shown only now; store it safely.\n", k.ID, k.Name, k.Role, k.OrgID)
	case "list":
		keys, err := tenants.Keys(tenant.System)
		if err != nil {
			return err
		}
		return printKeys(stdout, keys, *asJSON)
	case "revoke":
		k, err := tenants.RevokeKey(ctx, tenant.System, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Revoked key %d (%s).\n", k.ID, k.Name)
	case "rotate":
		secret, k, err := tenants.RotateKey(ctx, tenant.System, id)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "Key %d replaces key %d (%s), which no longer works.\n", k.ID, id, k.Name)
	}
	return nil
}

func printKeys(w io.Writer, keys []tenant.Key, asJSON bool) error {
	if asJSON {
		type out struct {
			ID         int64      `json:"id"`
			Prefix     string     `json:"prefix"`
			Name       string     `json:"name"`
			Role       string     `json:"role"`
			OrgID      int64      `json:"organization"`
			CustomerID int64      `json:"customer,omitempty"`
			CreatedAt  time.Time  `json:"createdAt"`
			RevokedAt  *time.Time `json:"revokedAt"`
		}
		list := make([]out, len(keys))
		for i, k := range keys {
			list[i] = out{ID: k.ID, Prefix: "tly_" + k.Public, Name: k.Name, Role: string(k.Role), OrgID: k.OrgID,
				CustomerID: k.CustomerID, CreatedAt: k.CreatedAt}
			if k.Revoked() {
				t := k.RevokedAt
				list[i].RevokedAt = &t
			}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tROLE\tORG\tCUSTOMER\tCREATED\tSTATUS")
	for _, k := range keys {
		status := "valid"
		if k.Revoked() {
			status = "revoked " + k.RevokedAt.Format(time.RFC3339)
		}
		cust := "-"
		if k.CustomerID != 0 {
			cust = strconv.FormatInt(k.CustomerID, 10)
		}
		fmt.Fprintf(tw, "%d\ttly_%s\t%s\t%s\t%d\t%s\t%s\t%s\n", k.ID, k.Public, k.Name, k.Role, k.OrgID, cust, k.CreatedAt.Format(time.RFC3339), status)
	}
	return tw.Flush()
}
