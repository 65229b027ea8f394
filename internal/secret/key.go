package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// The ways opening a sealed value fails. None of their texts holds the
// sealed value or the key.
var (
	// ErrWrongKey: the value was sealed with another key.
	ErrWrongKey = errors.New("sealed with another secret key")
	// ErrCorrupt: the value is not a sealed value of this format, or it
	// was changed, or moved from the field it was sealed for.
	ErrCorrupt = errors.New("sealed value is damaged")
	// ErrNoKey: no key is configured and none can be found.
	ErrNoKey = errors.New("no secret key")
	// ErrBadKey: the configured key is not base64 of 32 bytes.
	ErrBadKey = errors.New("invalid secret key")
)

// KeySize is the size of an AES-256 key.
const KeySize = 32

// sealedPrefix marks sealed values, so that clear text left by an older
// version is told apart from them and can be sealed in place. v1 is
// AES-256-GCM; the next field is the key's id.
const sealedPrefix = "enc:v1:"

// Key seals and opens values with AES-256-GCM.
type Key struct {
	id   string
	aead cipher.AEAD
}

// NewKey returns the Key of 32 raw bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrBadKey, len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
	}
	// The id names the key in sealed values and messages, so that a
	// wrong key is told apart from damage. Four bytes of a hash of a
	// random 256-bit key say nothing useful about it.
	sum := sha256.Sum256(append([]byte("tally secret key id\x00"), raw...))
	return &Key{id: hex.EncodeToString(sum[:4]), aead: aead}, nil
}

// ParseKey reads a key written as base64 (standard or URL alphabet,
// padded or not, surrounding space ignored), as TALLY_SECRET_KEY and key
// files hold it. The error never quotes the text.
func ParseKey(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	text = strings.TrimRight(text, "=")
	raw, err := base64.RawStdEncoding.DecodeString(text)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(text)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: not base64 (make one with: head -c 32 /dev/urandom | base64)", ErrBadKey)
	}
	return NewKey(raw)
}

// GenerateKey returns a new random key as ParseKey reads it.
func GenerateKey() string {
	raw := make([]byte, KeySize)
	_, _ = rand.Read(raw) // never fails: crypto/rand crashes the program rather
	return base64.StdEncoding.EncodeToString(raw)
}

// ID names the key without revealing it.
func (k *Key) ID() string { return k.id }

// Sealed reports whether s is a sealed value (of any key).
func Sealed(s string) bool { return strings.HasPrefix(s, sealedPrefix) }

// Seal encrypts plain for the place it is stored, named by context (for
// example "pipeline.source/aws-cur/secret_access_key"): a sealed value
// copied to another place does not open there.
func (k *Key) Seal(plain, context string) string {
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	box := k.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return sealedPrefix + k.id + ":" + base64.RawURLEncoding.EncodeToString(box)
}

// Open decrypts a value Seal made for the same context.
func (k *Key) Open(sealed, context string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", fmt.Errorf("%w: not a sealed value", ErrCorrupt)
	}
	id, data, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("%w: no key id", ErrCorrupt)
	}
	if id != k.id {
		return "", fmt.Errorf("%w (key %s; the key in use is %s)", ErrWrongKey, id, k.id)
	}
	box, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil || len(box) < k.aead.NonceSize()+k.aead.Overhead() {
		return "", fmt.Errorf("%w: not valid base64 of a nonce and a tag", ErrCorrupt)
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, box[:n], box[n:], []byte(context))
	if err != nil {
		return "", fmt.Errorf("%w: it does not authenticate with key %s for %s", ErrCorrupt, k.id, context)
	}
	return string(plain), nil
}
