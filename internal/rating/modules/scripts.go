package modules

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/tally-cost/tally/internal/rating/script"
)

// Script is a stored script of the pyscripts module (spec §8): a CEL
// expression (see package script) under a unique name. Checksum is the
// sha512 of Data.
type Script struct {
	ID       string `json:"script_id"`
	Name     string `json:"name"`
	Data     string `json:"data"`
	Checksum string `json:"checksum"`
}

// noScript is upstream's 404, which prints "None" for the name it does
// not have.
func noScript(id string) error { return notFoundf("No such script: None (UUID: %s)", id) }

// Scripts returns every script, in creation order (upstream's row order).
func (s *State) Scripts() []Script {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.scripts)
}

// Script returns the script with id.
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

func (s *State) nameTaken(name, except string) error {
	for _, sc := range s.scripts {
		if sc.Name == name && sc.ID != except {
			return conflictf("Script %s already exists (UUID: %s)", name, sc.ID)
		}
	}
	return nil
}

// CreateScript compiles and stores a new script. A script that does not
// compile is refused with the compiler's error (a *script.CompileError
// naming the line and column, which wraps cost.ErrInvalid); a taken name
// is upstream's 409.
func (s *State) CreateScript(ctx context.Context, name, data string) (Script, error) {
	if name == "" {
		return Script{}, invalidf("Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")
	}
	prg, err := script.Compile(name, data)
	if err != nil {
		return Script{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.nameTaken(name, ""); err != nil {
		return Script{}, err
	}
	sc := Script{ID: uuid.NewString(), Name: name, Data: data, Checksum: prg.Checksum}
	next := append(slices.Clone(s.scripts), sc)
	if err := s.save(ctx, docScripts, next); err != nil {
		return Script{}, err
	}
	s.scripts = next
	s.compiled[sc.ID] = compiled{prg: prg}
	return sc, nil
}

// UpdateScript changes a script's name or data (nil keeps it). The new
// version is compiled first; the old one stays in force when it fails.
// Upstream wipes the data of an update that sends none; Tally keeps it.
func (s *State) UpdateScript(ctx context.Context, id string, name, data *string) (Script, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.scriptIndex(id)
	if i < 0 {
		return Script{}, noScript(id)
	}
	sc := s.scripts[i]
	if name != nil && *name != "" {
		sc.Name = *name
	}
	if data != nil {
		sc.Data = *data
	}
	if sc == s.scripts[i] {
		return sc, nil
	}
	if err := s.nameTaken(sc.Name, id); err != nil {
		return Script{}, err
	}
	prg, err := script.Compile(sc.Name, sc.Data)
	if err != nil {
		return Script{}, err
	}
	sc.Checksum = prg.Checksum
	next := slices.Clone(s.scripts)
	next[i] = sc
	if err := s.save(ctx, docScripts, next); err != nil {
		return Script{}, err
	}
	s.scripts = next
	s.compiled[id] = compiled{prg: prg}
	return sc, nil
}

// DeleteScript removes a script.
func (s *State) DeleteScript(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.scriptIndex(id)
	if i < 0 {
		return noScript(id)
	}
	next := slices.Delete(slices.Clone(s.scripts), i, i+1)
	if err := s.save(ctx, docScripts, next); err != nil {
		return err
	}
	s.scripts = next
	delete(s.compiled, id)
	return nil
}

// compile prepares a stored script at Open; the caller holds no other
// reference to s yet.
func (s *State) compile(sc Script) {
	prg, err := script.Compile(sc.Name, sc.Data)
	if err != nil {
		s.log.Error("rating: a stored script does not compile; rating with the pyscripts module fails until it is fixed", "script", sc.Name, "id", sc.ID, "err", err)
		err = fmt.Errorf("stored script %q (%s) does not compile: %w", sc.Name, sc.ID, err)
	}
	s.compiled[sc.ID] = compiled{prg: prg, err: err}
}
