// Package cloudaccount keeps the AWS accounts that users enable through
// the CloudHealth API (/v1/aws_accounts): a display name, the 12-digit
// AWS account id (owner id) that links the account to the sub account
// of line items, and the credentials CloudHealth would collect with.
// Credentials are sealed with internal/secret at rest; the secret key is
// never given back. The per-customer External ID of IAM role
// integrations lives here too.
//
// Names are not kept twice for reports: an account with an owner id
// hands its name to a Namer (the registry, through the engine), which
// overlays it on the bills' sub account names in every dialect.
//
// The package knows nothing of HTTP; its refusals carry upstream's
// validation texts so that the dialect can list them as 422 "errors".
package cloudaccount

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/statedoc"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

// Sentinel errors; callers use errors.Is.
var (
	// ErrInvalid: the account was refused; the error is an *InvalidError.
	ErrInvalid = errkind.Invalid.New("invalid AWS account")
	// ErrNotFound: no such account, or one the caller may not see.
	ErrNotFound = errkind.NotFound.New("AWS account not found")
)

// InvalidError lists every problem of a refused account in upstream's
// words (Rails validation messages, leading spaces included, as clients
// print them).
type InvalidError struct{ Problems []string }

func (e *InvalidError) Error() string {
	ps := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		ps[i] = strings.TrimSpace(p)
	}
	return fmt.Sprintf("%v: %s", ErrInvalid, strings.Join(ps, "; "))
}

// Unwrap makes the error ErrInvalid for errors.Is.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

// The authentication protocols.
const (
	ProtocolAccessKey  = "access_key"
	ProtocolAssumeRole = "assume_role"
)

// Auth is how CloudHealth would reach the account. On input SecretKey is
// the clear secret; on output it is always empty (HasSecretKey says
// whether one is stored).
type Auth struct {
	Protocol             string
	AccessKey            string
	SecretKey            string
	AssumeRoleARN        string
	AssumeRoleExternalID string
}

// Tag is one key-value tag of an account.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Account is an enabled AWS account as callers see it.
type Account struct {
	ID           int64
	Name         string
	OwnerID      string // "" when not given
	Region       string // "global" or "govcloud"
	Auth         Auth
	HasSecretKey bool
	Tags         []Tag
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Input is a create or update request: nil fields take their default on
// create and keep their value on update (upstream's PUT example sends
// only a name and tags).
type Input struct {
	Name    *string
	OwnerID *string
	Region  *string
	Auth    *Auth
	Tags    *[]Tag
}

// Namer shows an account's name in reports under its owner id. The
// server's is the registry, through the engine, which checks and audits
// the change.
type Namer interface {
	SetName(ctx context.Context, ownerID, name string) error
	RemoveName(ctx context.Context, ownerID string) error
}

// Options are the service's injectable parts (tests fix them).
type Options struct {
	Now  func() time.Time
	Rand io.Reader // the External IDs' randomness
	// Audit, when set, records every change (tenant.Service.Record);
	// the detail names the account and never holds a credential.
	Audit func(ctx context.Context, p *tenant.Principal, action, object, id, detail string) error
}

// Service is the accounts' domain service over a store.DocStore. All
// accounts are one document, so that each change is one PutDocument; the
// in-memory copy is replaced only after the store accepted the write.
type Service struct {
	docs store.DocStore
	keys *secret.Keys
	opts Options

	mu  sync.Mutex
	doc document
}

const (
	docKind    = "cloudaccount.aws"
	docName    = "accounts"
	docVersion = 1
)

// theDoc is where the accounts are kept.
var theDoc = statedoc.Doc{Kind: docKind, Name: docName, Version: docVersion, What: "AWS accounts"}

const (
	// firstID is the first account id: 13 digits like upstream's
	// (5909874999458), so that a client that keeps ids in 32 bits fails
	// at once rather than on some later account.
	firstID int64 = 1_000_000_000_001
)

type document struct {
	Version  int                `json:"version"`
	NextID   int64              `json:"nextId"`
	Accounts map[string]*record `json:"accounts"` // by id
	// ExternalIDs are the generated External IDs, sealed, by customer
	// ("<org>/<customer>").
	ExternalIDs map[string]string `json:"externalIds"`
}

// record is an account as stored: SecretKey and ExternalID sealed.
type record struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	OwnerID       string    `json:"ownerId,omitempty"`
	Region        string    `json:"region"`
	Protocol      string    `json:"protocol,omitempty"`
	AccessKey     string    `json:"accessKey,omitempty"`
	SecretKey     string    `json:"secretKey,omitempty"`
	AssumeRoleARN string    `json:"assumeRoleArn,omitempty"`
	ExternalID    string    `json:"externalId,omitempty"`
	Tags          []Tag     `json:"tags"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// Open loads the accounts from docs (none yet is an empty service); keys
// seal and open the credentials.
func Open(ctx context.Context, docs store.DocStore, keys *secret.Keys, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	s := &Service{docs: docs, keys: keys, opts: opts,
		doc: document{Version: docVersion, NextID: firstID, Accounts: map[string]*record{}, ExternalIDs: map[string]string{}}}
	if _, err := theDoc.Load(ctx, docs, &s.doc); err != nil {
		return nil, err
	}
	if s.doc.Accounts == nil {
		s.doc.Accounts = map[string]*record{}
	}
	if s.doc.ExternalIDs == nil {
		s.doc.ExternalIDs = map[string]string{}
	}
	return s, nil
}

// editor returns the caller when it may change accounts: editors and
// administrators of the default organization, as an account's name
// shows to every tenant that sees it and its credentials would feed the
// whole installation.
func editor(ctx context.Context) (*tenant.Principal, error) {
	p, err := tenant.Caller(ctx, tenant.EditContent)
	if err != nil {
		return nil, err
	}
	return p, p.RequireWhole(tenant.EditContent, "editors and administrators", "change AWS accounts")
}

// MayEdit reports whether the caller may change accounts; the dialect
// asks before it reads a body.
func (s *Service) MayEdit(ctx context.Context) error {
	_, err := editor(ctx)
	return err
}

// sees reports whether p may see r: callers that see every account see
// all, others only the accounts whose owner id is in their scope.
func sees(p *tenant.Principal, r *record) bool {
	return (p.Unscoped() && p.CustomerID == 0) || (r.OwnerID != "" && p.Sees(r.OwnerID))
}

// List returns the accounts the caller sees, ordered by id.
func (s *Service) List(ctx context.Context) ([]Account, error) {
	p, err := tenant.Caller(ctx, tenant.Read)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Account{}
	for _, r := range s.doc.Accounts {
		if sees(p, r) {
			a, err := s.account(r)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Account) int { return compareInt(a.ID, b.ID) })
	return out, nil
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Get returns one account, or ErrNotFound when it does not exist or the
// caller may not see it (the two are told apart by no one).
func (s *Service) Get(ctx context.Context, id int64) (Account, error) {
	p, err := tenant.Caller(ctx, tenant.Read)
	if err != nil {
		return Account{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.doc.Accounts[strconv.FormatInt(id, 10)]
	if !ok || !sees(p, r) {
		return Account{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	return s.account(r)
}

// account opens r for the caller; the secret key stays sealed.
func (s *Service) account(r *record) (Account, error) {
	a := Account{ID: r.ID, Name: r.Name, OwnerID: r.OwnerID, Region: r.Region, HasSecretKey: r.SecretKey != "",
		Tags: slices.Clone(r.Tags), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Auth: Auth{Protocol: r.Protocol, AccessKey: r.AccessKey, AssumeRoleARN: r.AssumeRoleARN}}
	if a.Tags == nil {
		a.Tags = []Tag{}
	}
	if r.ExternalID != "" {
		x, err := s.open(r.ExternalID, externalIDContext(r.ID))
		if err != nil {
			return Account{}, fmt.Errorf("AWS account %d: %w", r.ID, err)
		}
		a.Auth.AssumeRoleExternalID = x
	}
	return a, nil
}

func secretKeyContext(id int64) string { return fmt.Sprintf("%s/%d/secret_key", docKind, id) }
func externalIDContext(id int64) string {
	return fmt.Sprintf("%s/%d/assume_role_external_id", docKind, id)
}
func customerContext(c string) string { return "cloudaccount.external_id/" + c }

func (s *Service) seal(plain, context string) (string, error) {
	k, err := s.keys.ForSealing()
	if err != nil {
		return "", fmt.Errorf("sealing a credential: %w", err)
	}
	return k.Seal(plain, context), nil
}

func (s *Service) open(sealed, context string) (string, error) {
	k, err := s.keys.ForOpening()
	if err != nil {
		return "", fmt.Errorf("opening a credential: %w", err)
	}
	return k.Open(sealed, context)
}

// customerKey names the customer whose External ID a caller gets: its
// organization and, for a partner's customer, the customer.
func customerKey(p *tenant.Principal) string { return fmt.Sprintf("%d/%d", p.OrgID, p.CustomerID) }

// ExternalID returns the caller's customer's External ID, generating and
// storing it on first use: upstream generates one per customer, reused
// across all its accounts.
func (s *Service) ExternalID(ctx context.Context) (string, error) {
	p, err := tenant.Caller(ctx, tenant.Read)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.externalID(ctx, customerKey(p))
}

// externalID is ExternalID for customer c; s.mu is held.
func (s *Service) externalID(ctx context.Context, c string) (string, error) {
	if sealed, ok := s.doc.ExternalIDs[c]; ok {
		return s.open(sealed, customerContext(c))
	}
	// 15 random bytes: the 30 hex digits of upstream's examples.
	raw := make([]byte, 15)
	if _, err := io.ReadFull(s.opts.Rand, raw); err != nil {
		return "", fmt.Errorf("generating an External ID: %w", err)
	}
	x := hex.EncodeToString(raw)
	sealed, err := s.seal(x, customerContext(c))
	if err != nil {
		return "", err
	}
	if err := s.save(ctx, func(d *document) { d.ExternalIDs[c] = sealed }); err != nil {
		return "", err
	}
	return x, nil
}

// save applies fn to a copy of the document and makes the copy current
// once the store accepted it; s.mu is held.
func (s *Service) save(ctx context.Context, fn func(d *document)) error {
	next := s.doc.clone()
	fn(&next)
	if err := theDoc.Save(ctx, s.docs, next); err != nil {
		return err
	}
	s.doc = next
	return nil
}

// clone copies d deeply, so that a change reaches the current copy only
// once stored.
func (d document) clone() document {
	c := document{Version: d.Version, NextID: d.NextID, Accounts: make(map[string]*record, len(d.Accounts)), ExternalIDs: make(map[string]string, len(d.ExternalIDs))}
	for k, r := range d.Accounts {
		cp := *r
		cp.Tags = slices.Clone(r.Tags)
		c.Accounts[k] = &cp
	}
	for k, v := range d.ExternalIDs {
		c.ExternalIDs[k] = v
	}
	return c
}

// Create enables an account and returns it as Get would.
func (s *Service) Create(ctx context.Context, in Input, names Namer) (Account, error) {
	p, err := editor(ctx)
	if err != nil {
		return Account{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.doc.NextID
	r := &record{ID: id, Region: "global", CreatedAt: s.opts.Now().UTC()}
	if err := s.apply(ctx, p, r, in, true); err != nil {
		return Account{}, err
	}
	r.UpdatedAt = r.CreatedAt
	if r.OwnerID != "" && names != nil {
		if err := names.SetName(ctx, r.OwnerID, r.Name); err != nil {
			return Account{}, fmt.Errorf("naming AWS account %s: %w", r.OwnerID, err)
		}
	}
	if err := s.save(ctx, func(d *document) {
		d.Accounts[strconv.FormatInt(id, 10)] = r
		d.NextID = id + 1
	}); err != nil {
		return Account{}, err
	}
	if err := s.audit(ctx, p, "create", r); err != nil {
		return Account{}, err
	}
	return s.account(r)
}

// Update changes an account: the fields in is given replace the stored
// ones. Upstream's PUT answers the whole account, which this returns.
func (s *Service) Update(ctx context.Context, id int64, in Input, names Namer) (Account, error) {
	p, err := editor(ctx)
	if err != nil {
		return Account{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strconv.FormatInt(id, 10)
	old, ok := s.doc.Accounts[key]
	if !ok {
		return Account{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	r := *old
	r.Tags = slices.Clone(old.Tags)
	if err := s.apply(ctx, p, &r, in, false); err != nil {
		return Account{}, err
	}
	r.UpdatedAt = s.opts.Now().UTC()
	if names != nil {
		if old.OwnerID != "" && old.OwnerID != r.OwnerID {
			if err := names.RemoveName(ctx, old.OwnerID); err != nil {
				return Account{}, fmt.Errorf("unnaming AWS account %s: %w", old.OwnerID, err)
			}
		}
		if r.OwnerID != "" && (r.OwnerID != old.OwnerID || r.Name != old.Name) {
			if err := names.SetName(ctx, r.OwnerID, r.Name); err != nil {
				return Account{}, fmt.Errorf("naming AWS account %s: %w", r.OwnerID, err)
			}
		}
	}
	if err := s.save(ctx, func(d *document) { d.Accounts[key] = &r }); err != nil {
		return Account{}, err
	}
	if err := s.audit(ctx, p, "update", &r); err != nil {
		return Account{}, err
	}
	return s.account(&r)
}

// Delete removes an account, and its name from reports.
func (s *Service) Delete(ctx context.Context, id int64, names Namer) error {
	p, err := editor(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strconv.FormatInt(id, 10)
	r, ok := s.doc.Accounts[key]
	if !ok {
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	if r.OwnerID != "" && names != nil {
		if err := names.RemoveName(ctx, r.OwnerID); err != nil {
			return fmt.Errorf("unnaming AWS account %s: %w", r.OwnerID, err)
		}
	}
	if err := s.save(ctx, func(d *document) { delete(d.Accounts, key) }); err != nil {
		return err
	}
	return s.audit(ctx, p, "delete", r)
}

// audit records a change of r: its name, owner id and protocol, and
// whether a secret key is stored, never a credential.
func (s *Service) audit(ctx context.Context, p *tenant.Principal, action string, r *record) error {
	if s.opts.Audit == nil {
		return nil
	}
	detail := fmt.Sprintf("name=%q owner_id=%q protocol=%q secret_key=%v", r.Name, r.OwnerID, r.Protocol, r.SecretKey != "")
	if err := s.opts.Audit(ctx, p, action, docKind, strconv.FormatInt(r.ID, 10), detail); err != nil {
		return fmt.Errorf("recording the %s of AWS account %d: %w", action, r.ID, err)
	}
	return nil
}

// IsInvalid returns the problems of a refused account.
func IsInvalid(err error) ([]string, bool) {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return ie.Problems, true
	}
	return nil, false
}
