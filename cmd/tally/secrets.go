package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/tally-cost/tally/internal/secret"
)

// redactor keeps secrets out of the process's log and error output: the
// log handler (run) and the pipeline share it, so that the credentials
// of every configured source are removed from any log line, whoever
// writes it.
var redactor = secret.NewRedactor()

// keyHint says how to give the key, in the messages that find none.
const keyHint = "give the key with TALLY_SECRET_KEY, TALLY_SECRET_KEY_FILE or --secret-key-file"

// secretKeyFlag adds --secret-key-file to the commands that open stored
// sources (serve, demo).
func secretKeyFlag(fs *flag.FlagSet) *string {
	return fs.String("secret-key-file", "", "file holding the base64 key that encrypts the credentials of stored sources "+
		"(default: $TALLY_SECRET_KEY, else $TALLY_SECRET_KEY_FILE, else DB.key, created when first needed)")
}

// secretKeys returns where the key of the database file db (the
// Location.Path of --db) comes from: the TALLY_SECRET_KEY variable, or a
// key file (the flag, else TALLY_SECRET_KEY_FILE), or else db+".key",
// created the first time a credential is stored. The environment is read
// here only.
func secretKeys(db, file string, log *slog.Logger) (*secret.Keys, error) {
	value := os.Getenv("TALLY_SECRET_KEY")
	if file == "" {
		file = os.Getenv("TALLY_SECRET_KEY_FILE")
	}
	if value != "" && file != "" {
		return nil, fmt.Errorf("%w: the secret key is given twice: TALLY_SECRET_KEY and a key file (%s); give one", errUsage, file)
	}
	cfg := secret.KeyConfig{Value: value, ValueOrigin: "TALLY_SECRET_KEY", File: file, Hint: keyHint, Logger: log}
	if db != "" {
		cfg.DefaultFile = db + ".key"
	}
	keys := secret.NewKeys(cfg)
	if value != "" || file != "" {
		// A key given but unusable stops the start, rather than
		// surprising at the first stored source.
		if _, err := keys.ForOpening(); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
