package main

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
)

// stubResolver answers from a table: a name maps to its addresses, or to
// an error when absent.
type stubResolver map[string][]string

func (s stubResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	addrs, ok := s[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, a := range addrs {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	return out, nil
}

// TestLoopbackOnly: --no-auth serves only on loopback. IP literals are
// checked as they are; names, localhost too, are resolved and every
// address must be loopback.
func TestLoopbackOnly(t *testing.T) {
	hosts := stubResolver{
		"localhost":   {"127.0.0.1", "::1"},
		"ip6-local":   {"::1"},
		"box":         {"10.0.0.5"},
		"mixed":       {"127.0.0.1", "192.0.2.7"},
		"nothing":     {},
		"mapped-home": {"::ffff:127.0.0.1"},
	}
	f := func(addr string, res hostResolver, want string) {
		t.Helper()
		listen, err := loopbackOnly(context.Background(), res, addr)
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v, want allowed", addr, err)
			}
			return
		}
		if listen != "" {
			t.Errorf("%s: refused, yet listens on %q", addr, listen)
		}
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a usage error with %q", addr, err, want)
		}
	}
	f("127.0.0.1:8080", hosts, "")
	f("127.8.9.10:0", hosts, "")
	f("[::1]:8080", hosts, "")
	f("[::ffff:127.0.0.1]:8080", hosts, "")
	f("localhost:8080", hosts, "")
	f("ip6-local:8080", hosts, "")
	f("mapped-home:8080", hosts, "")

	f(":8080", hosts, "no host listens on every interface")
	f("0.0.0.0:8080", hosts, "not a loopback address")
	f("[::]:8080", hosts, "not a loopback address")
	f("192.168.1.20:8080", hosts, "not a loopback address")
	f("[fe80::1%eth0]:8080", hosts, "not a loopback address")
	// localhost is a name like any other: a machine whose hosts file
	// points it elsewhere is refused.
	f("localhost:8080", stubResolver{"localhost": {"10.1.2.3"}}, "it resolves to 10.1.2.3")
	f("localhost:8080", stubResolver{"localhost": {"127.0.0.1", "10.1.2.3"}}, "it resolves to 10.1.2.3")
	f("box:8080", hosts, "it resolves to 10.0.0.5")
	f("mixed:8080", hosts, "it resolves to 192.0.2.7")
	f("nothing:8080", hosts, "it resolves to no address")
	f("unknown.example:8080", hosts, "resolving it: lookup unknown.example: no such host")
	f("127.0.0.1", hosts, "missing port")

	// The listener gets the address that was checked, never the name to
	// resolve again.
	listen := func(addr, want string) {
		t.Helper()
		if got, err := loopbackOnly(context.Background(), hosts, addr); err != nil || got != want {
			t.Errorf("%s: listens on %q (%v), want %q", addr, got, err, want)
		}
	}
	listen("localhost:8080", "127.0.0.1:8080")
	listen("ip6-local:0", "[::1]:0")
	listen("[::1]:8080", "[::1]:8080")
	listen("127.8.9.10:0", "127.8.9.10:0")
}
