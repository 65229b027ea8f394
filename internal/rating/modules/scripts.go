package modules

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tally-cost/tally/internal/rating/hashmap"
	"github.com/tally-cost/tally/internal/rating/script"
)

// Script is a stored script of the pyscripts module (spec §8): a CEL
// expression (see package script) under a unique name. Checksum is the
// sha512 of Data.
//
// The rest is the ≥23 model, as hashmap.Mapping's: Start is inclusive and
// End exclusive, a zero one open; Deleted is when the script was
// soft-deleted (it never runs again). Documents stored before scripts had
// dates load with every one of these zero: active always, classic.
type Script struct {
	ID          string    `json:"script_id"`
	Name        string    `json:"name"`
	Data        string    `json:"data"`
	Checksum    string    `json:"checksum"`
	Start       time.Time `json:"start,omitzero"`
	End         time.Time `json:"end,omitzero"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	CreatedBy   string    `json:"created_by,omitempty"`
	UpdatedBy   string    `json:"updated_by,omitempty"`
	Deleted     time.Time `json:"deleted,omitzero"`
	DeletedBy   string    `json:"deleted_by,omitempty"`
	// Dated marks a script created or given dates the ≥23 way (with a
	// start, end or description): once it runs, only its end may change.
	// A classic script (false: created by a ≤22 client, or stored before
	// scripts had dates) stays editable as before, so that `pyscript
	// update ID -d FILE` keeps working. Hashmap's flag is the inverse
	// (Classic); here the zero value must mean classic for the documents
	// already stored.
	Dated bool `json:"dated,omitempty"`
}

// IsDeleted reports whether the script was soft-deleted.
func (sc Script) IsDeleted() bool { return !sc.Deleted.IsZero() }

// ActiveAt reports whether the script runs when rating the period that
// starts at t: start ≤ t < end and not deleted, as hashmap's rules.
func (sc Script) ActiveAt(t time.Time) bool {
	return hashmap.ActiveAt(sc.Start, sc.End, sc.Deleted, t)
}

// noScript is upstream's 404, which prints "None" for the name it does
// not have.
func noScript(id string) error { return notFoundf("No such script: None (UUID: %s)", id) }

// Scripts returns every script, soft-deleted ones included, in creation
// order (upstream's row order).
func (s *State) Scripts() []Script {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.scripts)
}

// Script returns the script with id, also when it was soft-deleted (as
// hashmap's mappings).
func (s *State) Script(id string) (Script, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.scriptIndex(id)
	if i < 0 {
		return Script{}, noScript(id)
	}
	return s.scripts[i], nil
}

func (s *State) scriptIndex(id string) int {
	return slices.IndexFunc(s.scripts, func(sc Script) bool { return sc.ID == id })
}

// nameTaken refuses a name a live script holds: upstream's ≥23 dropped
// the unique index so that a deleted script's name can be reused.
func (s *State) nameTaken(name, except string) error {
	for _, sc := range s.scripts {
		if sc.Name == name && sc.ID != except && !sc.IsDeleted() {
			return conflictf("Script %s already exists (UUID: %s)", name, sc.ID)
		}
	}
	return nil
}

// now is the clock of dated rules, the hashmap book's (one SetClock fixes
// both in tests).
func (s *State) now() time.Time { return s.book.Now().UTC() }

// CreateScript compiles and stores a new script from in's Name, Data,
// Start, End, Description and Dated. Start defaults to now and may not be
// in the past unless opt.Force; a date-only end is the caller's to read
// (hashmap.ParseRuleTime). A script that does not compile is refused with
// the compiler's error (a *script.CompileError naming the line and
// column, which wraps cost.ErrInvalid); a taken name is upstream's 409.
//
// Dates are kept to the second, as hashmap's: clients PUT back what they
// read, and a stored fraction would read as a change.
func (s *State) CreateScript(ctx context.Context, in Script, opt hashmap.WriteOptions) (Script, error) {
	if in.Name == "" {
		return Script{}, invalidf("Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")
	}
	now := s.now().Truncate(time.Second)
	sc := Script{Name: in.Name, Data: in.Data, Description: in.Description, Dated: in.Dated,
		Start: in.Start.UTC().Truncate(time.Second), End: in.End.UTC().Truncate(time.Second)}
	if sc.Start.IsZero() {
		sc.Start = now
	} else if err := hashmap.CheckStart(sc.Start, now, opt.Force); err != nil {
		return Script{}, err
	}
	if err := hashmap.ValidateDates(sc.Start, sc.End); err != nil {
		return Script{}, err
	}
	prg, err := script.Compile(sc.Name, sc.Data)
	if err != nil {
		return Script{}, err
	}
	sc.Checksum = prg.Checksum
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.nameTaken(sc.Name, ""); err != nil {
		return Script{}, err
	}
	sc.ID, sc.CreatedAt, sc.CreatedBy = uuid.NewString(), now, opt.By
	next := append(slices.Clone(s.scripts), sc)
	if err := s.save(ctx, docScripts, next); err != nil {
		return Script{}, err
	}
	s.scripts = next
	s.compiled[sc.ID] = compiled{prg: prg}
	return sc, nil
}

// ScriptUpdate is a PUT's changes; nil fields were not sent (or null).
type ScriptUpdate struct {
	Name, Data, Description *string
	Start, End              *time.Time
}

// apply sets the sent fields on sc and names those that change it:
// clients PUT back whole objects, so an unchanged value is no change. An
// empty name is no name, as before.
func (u ScriptUpdate) apply(sc *Script) (changed []string) {
	set := func(name string, differs bool, assign func()) {
		if differs {
			changed = append(changed, name)
			assign()
		}
	}
	if u.Name != nil && *u.Name != "" {
		set("name", *u.Name != sc.Name, func() { sc.Name = *u.Name })
	}
	if u.Data != nil {
		set("data", *u.Data != sc.Data, func() { sc.Data = *u.Data })
	}
	if u.Description != nil {
		set("description", *u.Description != sc.Description, func() { sc.Description = *u.Description })
	}
	if u.Start != nil {
		t := u.Start.UTC().Truncate(time.Second)
		set("start", !t.Equal(sc.Start), func() { sc.Start = t })
	}
	if u.End != nil {
		t := u.End.UTC().Truncate(time.Second)
		set("end", !t.Equal(sc.End), func() { sc.End = t })
	}
	return changed
}

// UpdateScript applies u to a live script. A classic script changes as
// before scripts had dates (name and data, while it runs) until it is
// given a start or an end. A dated script that has started may change
// only its end, and not at all once it has one (hashmap's rules and
// messages); one not yet started may change anything, a new start not in
// the past unless opt.Force. Changed data is compiled first; the old
// version stays in force when it fails. Upstream wipes the data of an
// update that sends none; Tally keeps it.
func (s *State) UpdateScript(ctx context.Context, id string, u ScriptUpdate, opt hashmap.WriteOptions) (Script, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.scriptIndex(id)
	if i < 0 || s.scripts[i].IsDeleted() {
		return Script{}, noScript(id)
	}
	old, sc := s.scripts[i], s.scripts[i]
	changed := u.apply(&sc)
	if len(changed) == 0 {
		return sc, nil
	}
	dated := slices.Contains(changed, "start") || slices.Contains(changed, "end")
	switch {
	case !old.Dated && !dated:
		// A classic script changes as before scripts had dates.
	case !old.Start.After(now):
		// Running (a script stored before scripts had dates has a zero
		// start: it has run since the beginning of time).
		if err := hashmap.CheckRunningUpdate(old.Start, old.End, sc.End, now, changed); err != nil {
			return Script{}, err
		}
	case slices.Contains(changed, "start"):
		if err := hashmap.CheckStart(sc.Start, now, opt.Force); err != nil {
			return Script{}, err
		}
	}
	sc.Dated = old.Dated || dated
	if err := hashmap.ValidateDates(sc.Start, sc.End); err != nil {
		return Script{}, err
	}
	if err := s.nameTaken(sc.Name, id); err != nil {
		return Script{}, err
	}
	prg, err := script.Compile(sc.Name, sc.Data)
	if err != nil {
		return Script{}, err
	}
	sc.Checksum, sc.UpdatedBy = prg.Checksum, opt.By
	next := slices.Clone(s.scripts)
	next[i] = sc
	if err := s.save(ctx, docScripts, next); err != nil {
		return Script{}, err
	}
	s.scripts = next
	s.compiled[id] = compiled{prg: prg}
	return sc, nil
}

// DeleteScript soft-deletes a script: it stays readable by id but never
// runs again. Deleting it twice is a 404, as upstream's delete finds no
// live row.
func (s *State) DeleteScript(ctx context.Context, id string, opt hashmap.WriteOptions) error {
	now := s.now().Truncate(time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.scriptIndex(id)
	if i < 0 || s.scripts[i].IsDeleted() {
		return noScript(id)
	}
	next := slices.Clone(s.scripts)
	next[i].Deleted, next[i].DeletedBy = now, opt.By
	if err := s.save(ctx, docScripts, next); err != nil {
		return err
	}
	s.scripts = next
	delete(s.compiled, id)
	return nil
}

// compile prepares a stored live script at Open; the caller holds no
// other reference to s yet. Deleted scripts never run, so they are not
// compiled (nor can they fail a chain).
func (s *State) compile(sc Script) {
	if sc.IsDeleted() {
		return
	}
	prg, err := script.Compile(sc.Name, sc.Data)
	if err != nil {
		s.log.Error("rating: a stored script does not compile; rating with the pyscripts module fails until it is fixed", "script", sc.Name, "id", sc.ID, "err", err)
		err = fmt.Errorf("stored script %q (%s) does not compile: %w", sc.Name, sc.ID, err)
	}
	s.compiled[sc.ID] = compiled{prg: prg, err: err}
}
