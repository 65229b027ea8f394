package tenant

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// A key reads "tly_<id>_<secret>": the id (12 hex digits) is public and
// finds the record; the secret (64 hex digits, 256 random bits) is known
// only to its holder. Only the SHA-256 of the whole key is stored: the
// key is random, so a slow password hash would add nothing but latency.
// Every character is URL-safe, since CloudHealth clients send the key as
// the api_key query parameter.
const (
	keyPrefix    = "tly_"
	publicLen    = 12
	secretLen    = 64
	keyLen       = len(keyPrefix) + publicLen + 1 + secretLen
	digestLength = sha256.Size
)

// newKey returns a fresh key and its public id.
func newKey() (key, public string) {
	b := make([]byte, publicLen/2+secretLen/2)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	public = hex.EncodeToString(b[:publicLen/2])
	return keyPrefix + public + "_" + hex.EncodeToString(b[publicLen/2:]), public
}

// Digest is what is stored of a key.
func Digest(key string) []byte {
	d := sha256.Sum256([]byte(key))
	return d[:]
}

// publicID returns the public part of a well-formed key, or "" (which
// finds no record). It looks only at the shape and the public part, so
// how long it takes says nothing about the secret.
func publicID(key string) string {
	if len(key) != keyLen || !strings.HasPrefix(key, keyPrefix) || key[len(keyPrefix)+publicLen] != '_' {
		return ""
	}
	return key[len(keyPrefix) : len(keyPrefix)+publicLen]
}

// compare is the digest comparison; a variable so that a test can check
// that every verification compares two full digests exactly once.
var compare = defaultCompare

var defaultCompare = subtle.ConstantTimeCompare

// absent is compared against when no record matches, so that an unknown
// key costs the same hashing and comparison as a known one.
var absent = make([]byte, digestLength)

// matches reports whether key is the key whose digest is want (nil when
// no record has the key's public id). Work is the same in every case: one
// SHA-256 of the presented key and one constant-time comparison of two
// 32-byte digests.
func matches(key string, want []byte) bool {
	known := want != nil
	if !known {
		want = absent
	}
	got := Digest(key)
	return compare(got, want) == 1 && known
}
