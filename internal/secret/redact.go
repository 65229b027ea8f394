// Package secret keeps credentials out of everything that leaves Tally's
// process and off its disk in clear text: it redacts error texts,
// statuses and log records (Redact, Redactor, NewHandler), seals
// credential fields for storage with AES-256-GCM (Key, Keys), and
// restricts the permissions of the files that hold them (RestrictFile,
// RestrictTree).
package secret

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Mask replaces whatever is redacted.
const Mask = "[REDACTED]"

// minLiteral is the shortest configured value redacted literally: shorter
// ones ("b", "rl" of a SAS token) would blank out ordinary words.
const minLiteral = 8

var (
	// urlRE finds URLs of the schemes sources and SDK errors use; a
	// match ends at a space, a quote or an angle bracket, which is where
	// Go's url.Error and most log formats end a quoted URL.
	urlRE = regexp.MustCompile("(?i)\\b(?:https?|s3a?|azblob|gs|wasbs?|abfss?)://[^\\s\"'<>`]+")
	// fieldRE finds "name=value", "name: value" and "\"name\": \"value\""
	// for names that hold credentials in Tally's configuration, the SDKs'
	// errors and connection strings. Unquoted values run to a space, a
	// quote or a separator other than '&' (a SAS token's parameters stay
	// together).
	fieldRE = regexp.MustCompile(`(?i)([\w.-]*(?:sas[_-]?token|account[_-]?key|secret[_-]?access[_-]?key|session[_-]?token|` +
		`security[_-]?token|connection[_-]?string|credentials[_-]?json|private[_-]?key|client[_-]?secret|` +
		`refresh[_-]?token|access[_-]?token|api[_-]?key|password|passwd|shared[_-]?access[_-]?signature|signature|sig))` +
		`(["']?\s*[:=]\s*)` +
		`(` + regexp.QuoteMeta(Mask) + `|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"',;)}\]<>]+)`)
	// authRE finds an Authorization header with its scheme.
	authRE = regexp.MustCompile(`(?i)(\bauthorization["']?\s*[:=]\s*(?:(?:bearer|basic|token|sharedkey)\s+)?)([^\s"',;]+)`)
	// pemRE finds a PEM private key (a service account's), with real or
	// JSON-escaped line breaks, up to its end line or the end of the text.
	pemRE = regexp.MustCompile(`(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`)
	// apiKeyRE finds Tally API keys (tenant.Key): the id stays, so that a
	// log still says which key.
	apiKeyRE = regexp.MustCompile(`\b(tly_[0-9a-f]{12}_)[0-9a-f]{64}\b`)
)

// Redact removes what is recognisably secret from s: the query string and
// user info of URLs (the path stays, so that errors still say where), the
// values of credential fields (sas_token, account_key, AccountKey and
// SharedAccessSignature of connection strings, secret_access_key,
// session_token, credentials_json, private_key, client_secret, sig, ...),
// Authorization headers, PEM private keys and Tally API keys. Redact is
// idempotent.
func Redact(s string) string {
	if !strings.ContainsAny(s, ":=") && !strings.Contains(s, "tly_") && !strings.Contains(s, "-----") {
		return s // every pattern needs one of these; most log messages have none
	}
	s = pemRE.ReplaceAllString(s, Mask)
	// URLs before fields: a whole query goes, not only its sig.
	s = urlRE.ReplaceAllStringFunc(s, redactURL)
	s = replaceSubmatches(authRE, s, func(m []string) string { return m[1] + maskValue(m[2]) })
	s = replaceSubmatches(fieldRE, s, func(m []string) string { return m[1] + m[2] + maskValue(m[3]) })
	return apiKeyRE.ReplaceAllString(s, "${1}"+Mask)
}

// maskValue masks a field value, keeping its quotes.
func maskValue(v string) string {
	switch {
	case v == Mask:
		return v
	case len(v) >= 2 && (v[0] == '"' || v[0] == '\''):
		return v[:1] + Mask + v[:1]
	}
	return Mask
}

// redactURL drops the user info and everything after the first '?' or
// '#' of one URL found in a text. Punctuation that ends a sentence after
// the URL is kept.
func redactURL(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	if at := strings.LastIndex(rest[:hostEnd], "@"); at >= 0 {
		rest = Mask + rest[at:]
	}
	if q := strings.IndexAny(rest, "?#"); q >= 0 {
		query := rest[q+1:]
		trail := len(query)
		for trail > 0 && strings.ContainsRune(".,;:)]}\\", rune(query[trail-1])) {
			trail--
		}
		if trail > 0 && !strings.HasPrefix(query, Mask) {
			rest = rest[:q+1] + Mask + query[trail:]
		}
	}
	return scheme + "://" + rest
}

// replaceSubmatches is ReplaceAllStringFunc with the submatches.
func replaceSubmatches(re *regexp.Regexp, s string, f func([]string) string) string {
	idx := re.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range idx {
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = s[loc[2*i]:loc[2*i+1]]
			}
		}
		b.WriteString(s[last:loc[0]])
		b.WriteString(f(m))
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// Redactor redacts like Redact and also removes literal values it has
// been given: the credentials of configured sources, which may appear in
// a form no pattern recognises (a key echoed by an SDK). The zero value
// and nil redact like Redact. It is safe for concurrent use.
type Redactor struct {
	mu       sync.RWMutex
	values   map[string]bool
	replacer *strings.Replacer
}

// NewRedactor returns a Redactor that also removes values.
func NewRedactor(values ...string) *Redactor {
	r := &Redactor{}
	r.Add(values...)
	return r
}

// Add makes r remove values from now on, as given and in their URL and
// JSON escaped forms. Values shorter than 8 bytes are ignored.
func (r *Redactor) Add(values ...string) {
	var forms []string
	for _, v := range values {
		if len(v) < minLiteral {
			continue
		}
		quoted, _ := json.Marshal(v)
		forms = append(forms, v, url.QueryEscape(v), url.PathEscape(v), string(quoted[1:len(quoted)-1]))
	}
	if len(forms) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.values == nil {
		r.values = map[string]bool{}
	}
	added := false
	for _, f := range forms {
		if !r.values[f] {
			r.values[f], added = true, true
		}
	}
	if !added {
		return
	}
	// Longest first: the replacer tries its pairs in order at each
	// position, so a value that contains another is removed whole.
	all := make([]string, 0, len(r.values))
	for v := range r.values {
		all = append(all, v)
	}
	slices.SortFunc(all, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(all))
	for _, v := range all {
		pairs = append(pairs, v, Mask)
	}
	r.replacer = strings.NewReplacer(pairs...)
}

// String redacts s.
func (r *Redactor) String(s string) string {
	if r != nil {
		r.mu.RLock()
		rep := r.replacer
		r.mu.RUnlock()
		if rep != nil {
			s = rep.Replace(s)
		}
	}
	return Redact(s)
}

// Error returns the redacted text of err, "" for nil.
func (r *Redactor) Error(err error) string {
	if err == nil {
		return ""
	}
	return r.String(err.Error())
}
