package cloudhealth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/cloudaccount"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/registry"
)

// AWSAccounts is what /v1/aws_accounts needs of the accounts' domain
// service (cloudaccount.Service); it checks the caller's role and scope.
type AWSAccounts interface {
	MayEdit(ctx context.Context) error
	List(ctx context.Context) ([]cloudaccount.Account, error)
	Get(ctx context.Context, id int64) (cloudaccount.Account, error)
	Create(ctx context.Context, in cloudaccount.Input, names cloudaccount.Namer) (cloudaccount.Account, error)
	Update(ctx context.Context, id int64, in cloudaccount.Input, names cloudaccount.Namer) (cloudaccount.Account, error)
	Delete(ctx context.Context, id int64, names cloudaccount.Namer) error
	ExternalID(ctx context.Context) (string, error)
}

// SetAWSAccounts serves /v1/aws_accounts from s; without it those paths
// answer 404 like any unrouted path.
func (a *API) SetAWSAccounts(s AWSAccounts) { a.awsAccounts = s }

// awsAccountRoutes registers /v1/aws_accounts (spec §9.1, §11). The
// routes exist always and answer 404 until SetAWSAccounts is called,
// because the mux is built in New.
func (a *API) awsAccountRoutes() {
	a.mux.HandleFunc("GET /v1/aws_accounts", a.handle(a.listAWSAccounts))
	a.mux.HandleFunc("POST /v1/aws_accounts", a.awsWrite(a.createAWSAccount))
	a.mux.HandleFunc("GET /v1/aws_accounts/{id}", a.handle(a.getAWSAccount))
	a.mux.HandleFunc("PUT /v1/aws_accounts/{id}", a.awsWrite(a.updateAWSAccount))
	a.mux.HandleFunc("DELETE /v1/aws_accounts/{id}", a.handle(a.deleteAWSAccount))
	// The External ID is per customer, so the id segment is ignored: one
	// Go SDK sends the literal ":id" (§9.1).
	a.mux.HandleFunc("GET /v1/aws_accounts/{id}/generate_external_id", a.handle(a.awsExternalID))
}

// awsAccountJSON is an account as upstream renders it (§9.1), less what
// Tally does not collect (billing buckets, CloudTrail, status): the
// secret key never appears; the External ID does, as upstream echoes it.
type awsAccountJSON struct {
	ID             int64              `json:"id"`
	Name           string             `json:"name"`
	OwnerID        *string            `json:"owner_id"`
	Region         string             `json:"region"`
	CreatedAt      string             `json:"created_at"`
	UpdatedAt      string             `json:"updated_at"`
	Authentication awsAuthJSON        `json:"authentication"`
	Tags           []cloudaccount.Tag `json:"tags"`
	Links          map[string]link    `json:"_links"`
}

type awsAuthJSON struct {
	Protocol             string `json:"protocol,omitempty"`
	AccessKey            string `json:"access_key,omitempty"`
	SecretKey            string `json:"secret_key,omitempty"` // input only
	AssumeRoleARN        string `json:"assume_role_arn,omitempty"`
	AssumeRoleExternalID string `json:"assume_role_external_id,omitempty"`
}

type link struct {
	Href string `json:"href"`
}

// upstreamTime is upstream's timestamp format ("2015-12-16T23:03:49Z").
const upstreamTime = "2006-01-02T15:04:05Z"

func awsAccountOut(acc cloudaccount.Account) awsAccountJSON {
	out := awsAccountJSON{ID: acc.ID, Name: acc.Name, Region: acc.Region,
		CreatedAt: acc.CreatedAt.UTC().Format(upstreamTime), UpdatedAt: acc.UpdatedAt.UTC().Format(upstreamTime),
		Authentication: awsAuthJSON{Protocol: acc.Auth.Protocol, AccessKey: acc.Auth.AccessKey,
			AssumeRoleARN: acc.Auth.AssumeRoleARN, AssumeRoleExternalID: acc.Auth.AssumeRoleExternalID},
		Tags:  acc.Tags,
		Links: map[string]link{"self": {Href: "/v1/aws_accounts/" + strconv.FormatInt(acc.ID, 10)}}}
	if acc.OwnerID != "" {
		out.OwnerID = &acc.OwnerID
	}
	return out
}

// awsAccountIn is the body of POST and PUT. Fields of §9.1 that Tally
// does not keep (billing, cost_and_usage_report, cloudtrail, aws_config,
// cloudwatch, hide_public_fields, primary_aws_region) are accepted and
// ignored, as clients send them; "id" is what the Go SDK sends back.
type awsAccountIn struct {
	ID             *int64              `json:"id"`
	Name           *string             `json:"name"`
	OwnerID        *string             `json:"owner_id"`
	Region         *string             `json:"region"`
	Authentication *awsAuthJSON        `json:"authentication"`
	Tags           *[]cloudaccount.Tag `json:"tags"`
}

func (in awsAccountIn) input() cloudaccount.Input {
	out := cloudaccount.Input{Name: in.Name, OwnerID: in.OwnerID, Region: in.Region, Tags: in.Tags}
	if au := in.Authentication; au != nil {
		out.Auth = &cloudaccount.Auth{Protocol: au.Protocol, AccessKey: au.AccessKey, SecretKey: au.SecretKey,
			AssumeRoleARN: au.AssumeRoleARN, AssumeRoleExternalID: au.AssumeRoleExternalID}
	}
	return out
}

// accounts returns the service, or the 404 of an unrouted path.
func (a *API) accounts(r *http.Request) (AWSAccounts, error) {
	if a.awsAccounts == nil {
		return nil, apierr.New(http.StatusNotFound, "no such endpoint: "+r.Method+" "+Prefix+r.URL.Path[1:])
	}
	return a.awsAccounts, nil
}

// awsPage reads page and per_page (§3): page is 1-based and 0 means 1;
// per_page defaults to 30 and is capped at 100.
func awsPage(r *http.Request) (page, perPage int, err error) {
	read := func(name string, def int) (int, error) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("Page parameters must be greater than zero (%s=%q)", name, v))
		}
		return n, nil
	}
	if page, err = read("page", 1); err != nil {
		return 0, 0, err
	}
	if perPage, err = read("per_page", 30); err != nil {
		return 0, 0, err
	}
	if perPage == 0 {
		return 0, 0, apierr.New(http.StatusUnprocessableEntity, "Page parameters must be greater than zero (per_page=0)")
	}
	return max(page, 1), min(perPage, 100), nil
}

// listAWSAccounts answers one page; a page past the end is 200 with an
// empty list, as clients stop only on a short page (§3).
func (a *API) listAWSAccounts(r *http.Request) (any, error) {
	s, err := a.accounts(r)
	if err != nil {
		return nil, err
	}
	page, perPage, err := awsPage(r)
	if err != nil {
		return nil, err
	}
	all, err := s.List(r.Context())
	if err != nil {
		return nil, err
	}
	out := []awsAccountJSON{}
	// Pages are compared before any product is formed: page*per_page
	// of a huge page would overflow into a valid start.
	if pages := (len(all) + perPage - 1) / perPage; page <= pages {
		start := (page - 1) * perPage
		for _, acc := range all[start:min(start+perPage, len(all))] {
			out = append(out, awsAccountOut(acc))
		}
	}
	return map[string]any{"aws_accounts": out}, nil
}

// accountID reads the {id} path value; a malformed id names no account.
func accountID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %q", cloudaccount.ErrNotFound, r.PathValue("id"))
	}
	return id, nil
}

func (a *API) getAWSAccount(r *http.Request) (any, error) {
	s, err := a.accounts(r)
	if err != nil {
		return nil, err
	}
	id, err := accountID(r)
	if err != nil {
		return nil, err
	}
	acc, err := s.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return awsAccountOut(acc), nil
}

// createAWSAccount answers 201 with the account and its Location (the Go
// SDK accepts nothing else).
func (a *API) createAWSAccount(r *http.Request) (any, error) {
	s, err := a.accounts(r)
	if err != nil {
		return nil, err
	}
	in, err := readAWSAccount(r, s)
	if err != nil {
		return nil, err
	}
	acc, err := s.Create(r.Context(), in.input(), registryNames{a.engine})
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return createdAccount{account: awsAccountOut(acc),
		location: fmt.Sprintf("%s://%s%sv1/aws_accounts/%d", scheme, r.Host, Prefix, acc.ID)}, nil
}

// createdAccount is a write's answer that is 201 with a Location.
type createdAccount struct {
	account  awsAccountJSON
	location string
}

// awsWrite is handle for the writes: a refused account is 422
// {"errors": ["Name can't be blank", ...]} as upstream answers, and a
// createdAccount is 201; everything else renders as handle does.
func (a *API) awsWrite(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if ps, ok := cloudaccount.IsInvalid(err); ok {
			apierr.Write(w, err, http.StatusUnprocessableEntity, map[string]any{"errors": ps})
			return
		}
		if c, ok := v.(createdAccount); ok && err == nil {
			body, merr := json.Marshal(c.account)
			if merr == nil {
				w.Header().Set("Location", c.location)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				w.Write(append(body, '\n'))
				return
			}
			v, err = nil, fmt.Errorf("encoding the account: %w", merr)
		}
		a.handle(func(*http.Request) (any, error) { return v, err })(w, r)
	}
}

// updateAWSAccount answers 200 with the whole account (§13.4).
func (a *API) updateAWSAccount(r *http.Request) (any, error) {
	s, err := a.accounts(r)
	if err != nil {
		return nil, err
	}
	id, err := accountID(r)
	if err != nil {
		return nil, err
	}
	in, err := readAWSAccount(r, s)
	if err != nil {
		return nil, err
	}
	if in.ID != nil && *in.ID != 0 && *in.ID != id {
		return nil, &cloudaccount.InvalidError{Problems: []string{fmt.Sprintf("Id %d does not match the account %d of the path", *in.ID, id)}}
	}
	acc, err := s.Update(r.Context(), id, in.input(), registryNames{a.engine})
	if err != nil {
		return nil, err
	}
	return awsAccountOut(acc), nil
}

// deleteAWSAccount answers 200 with a JSON message: every answer of the
// dialect is JSON, and clients accept 200 or 204.
func (a *API) deleteAWSAccount(r *http.Request) (any, error) {
	s, err := a.accounts(r)
	if err != nil {
		return nil, err
	}
	id, err := accountID(r)
	if err != nil {
		return nil, err
	}
	if err := s.Delete(r.Context(), id, registryNames{a.engine}); err != nil {
		return nil, err
	}
	return messageBody{Message: fmt.Sprintf("AWS Account %d deleted", id)}, nil
}

func (a *API) awsExternalID(r *http.Request) (any, error) {
	s, err := a.accounts(r)
	if err != nil {
		return nil, err
	}
	x, err := s.ExternalID(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]string{"generated_external_id": x}, nil
}

// maxAccountBytes bounds an account body: a name, credentials and tags.
const maxAccountBytes = 1 << 20

// readAWSAccount decodes a JSON account body; like readSchema it refuses
// other content types with 422 (the guide's rule; one Python client
// sends form data) and reads a missing Content-Type as JSON.
func readAWSAccount(r *http.Request, s AWSAccounts) (awsAccountIn, error) {
	var in awsAccountIn
	// Permission first: a caller who may not write learns nothing from
	// the validation of its body.
	if err := s.MayEdit(r.Context()); err != nil {
		return in, err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return in, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("Content-Type must be application/json, not %q", ct))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxAccountBytes))
	if err != nil {
		return in, fmt.Errorf("reading the account: %w", err)
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return in, bodyError(err)
	}
	return in, nil
}

// registryNames shows accounts' names in reports through the registry
// of sub account names, which every dialect overlays on the bills'
// names: one name store, changed through the engine (which audits it).
type registryNames struct{ e *engine.Engine }

// SetName names the sub account ownerID, keeping the parent customer of
// an entry registered before.
func (n registryNames) SetName(ctx context.Context, ownerID, name string) error {
	entries, err := n.e.Registered(ctx, registry.SubAccount)
	if err != nil {
		return err
	}
	for _, en := range entries {
		if en.Key == ownerID {
			en.Name = &name
			_, err := n.e.UpdateRegistered(ctx, en)
			return err
		}
	}
	_, err = n.e.Register(ctx, registry.Entry{Kind: registry.SubAccount, Key: ownerID, Name: &name, Provider: "AWS"})
	return err
}

// RemoveName drops the name; an entry that names a parent customer stays,
// without a name, so that the customer link survives the account.
func (n registryNames) RemoveName(ctx context.Context, ownerID string) error {
	entries, err := n.e.Registered(ctx, registry.SubAccount)
	if err != nil {
		return err
	}
	for _, en := range entries {
		if en.Key != ownerID {
			continue
		}
		if en.Parent != "" {
			en.Name = nil
			_, err = n.e.UpdateRegistered(ctx, en)
		} else {
			_, err = n.e.Unregister(ctx, registry.SubAccount, ownerID)
		}
		return err
	}
	return nil
}
