package secret

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
)

// KeyConfig says where the key that seals stored credentials comes from,
// in this order: Value, File, DefaultFile.
type KeyConfig struct {
	// Value is the key as base64 text (TALLY_SECRET_KEY); ValueOrigin
	// names where it came from, for messages.
	Value, ValueOrigin string
	// File holds the key as base64 text (--secret-key-file,
	// TALLY_SECRET_KEY_FILE). It must exist.
	File string
	// DefaultFile is read when neither is set (<db>.key), and created,
	// 0600, the first time a value is sealed. "" means a random key that
	// lives as long as the process: right for an in-memory database.
	DefaultFile string
	// Hint tells people how to give a key, for the message that says
	// none was found.
	Hint   string
	Logger *slog.Logger
}

// Keys provides the key of a KeyConfig when it is first needed, and the
// same key afterwards. It is safe for concurrent use.
type Keys struct {
	cfg KeyConfig
	mu  sync.Mutex
	key *Key
}

// NewKeys returns the Keys of cfg; nothing is read until a key is needed.
func NewKeys(cfg KeyConfig) *Keys {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ValueOrigin == "" {
		cfg.ValueOrigin = "the configured key"
	}
	return &Keys{cfg: cfg}
}

// StaticKeys returns Keys that always give k (tests, tools).
func StaticKeys(k *Key) *Keys { return &Keys{key: k} }

// ForSealing returns the key to seal with, creating DefaultFile when no
// key is configured and it does not exist yet.
func (ks *Keys) ForSealing() (*Key, error) { return ks.get(true) }

// ForOpening returns the key to open with. It never creates one: a new
// key could not open anything sealed before, so a missing key is
// ErrNoKey.
func (ks *Keys) ForOpening() (*Key, error) { return ks.get(false) }

func (ks *Keys) get(create bool) (*Key, error) {
	if ks == nil {
		return nil, fmt.Errorf("%w is configured", ErrNoKey)
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.key != nil {
		return ks.key, nil
	}
	k, err := ks.load(create)
	if err != nil {
		return nil, err
	}
	ks.key = k
	return k, nil
}

func (ks *Keys) load(create bool) (*Key, error) {
	c := ks.cfg
	switch {
	case c.Value != "":
		k, err := ParseKey(c.Value)
		if err != nil {
			return nil, fmt.Errorf("secret key from %s: %w", c.ValueOrigin, err)
		}
		return k, nil
	case c.File != "":
		return readKeyFile(c.File, false, c.Logger)
	case c.DefaultFile == "":
		if !create {
			return nil, fmt.Errorf("%w is configured%s", ErrNoKey, hint(c.Hint))
		}
		return ParseKey(GenerateKey())
	}
	k, err := readKeyFile(c.DefaultFile, true, c.Logger)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if !create {
		return nil, fmt.Errorf("%w is configured and %s does not exist%s", ErrNoKey, c.DefaultFile, hint(c.Hint))
	}
	text := GenerateKey()
	f, err := os.OpenFile(c.DefaultFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process made it first: use theirs.
		return readKeyFile(c.DefaultFile, true, c.Logger)
	}
	if err != nil {
		return nil, fmt.Errorf("creating secret key file: %w", err)
	}
	_, err = f.WriteString(text + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(c.DefaultFile)
		return nil, fmt.Errorf("writing secret key file %s: %w", c.DefaultFile, err)
	}
	c.Logger.Warn("generated a secret key to encrypt source credentials; keep it with the database and back it up: without it they cannot be decrypted",
		"file", c.DefaultFile)
	return ParseKey(text)
}

func hint(h string) string {
	if h == "" {
		return ""
	}
	return " (" + h + ")"
}

// readKeyFile reads a key file. A file of Tally's own (the default beside
// the database) is made private if it is not; a file the operator gives
// is only warned about, as it may be a mounted secret that cannot change.
func readKeyFile(path string, own bool, log *slog.Logger) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	if own {
		if err := RestrictFile(path, log); err != nil {
			return nil, err
		}
	} else if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the secret key file is readable by other users", "file", path, "mode", fi.Mode().Perm().String())
	}
	k, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return k, nil
}
