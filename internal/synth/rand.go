package synth

// Every value is a pure function of (seed, what it describes): resource k,
// day d, hour h. Nothing depends on how many rows came before, so the same
// seed gives the same bytes, a month written alone equals the same month
// inside a longer range, and no generator state grows with the row count.
// The hash is SplitMix64's finaliser: fast, well mixed, and defined here
// so that output never changes with the Go release.

const golden = 0x9e3779b97f4a7c15

func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash2 and hash3 combine a seed with one or two keys.
func hash2(seed, a uint64) uint64 { return mix(seed ^ mix(a*golden+1)) }

func hash3(seed, a, b uint64) uint64 { return mix(hash2(seed, a) ^ mix(b*golden+2)) }

// between returns lo + (x mod (hi-lo+1)).
func between(x uint64, lo, hi int64) int64 { return lo + int64(x%uint64(hi-lo+1)) }

// picker chooses an index with integer weights through a 1024-entry table,
// so a pick is one mask and one load.
type picker [1024]uint8

func newPicker(weights []int) *picker {
	var p picker
	sum := 0
	for _, w := range weights {
		sum += w
	}
	if sum == 0 {
		return &p
	}
	i, acc := 0, weights[0]
	for slot := range p {
		for slot*sum >= acc*len(p) && i < len(weights)-1 {
			i++
			acc += weights[i]
		}
		p[slot] = uint8(i)
	}
	return &p
}

func (p *picker) pick(x uint64) int { return int(p[x&1023]) }

// skuOf derives a stable 12-character product SKU (like "VEAJHRNKTJZA")
// from a usage type name.
func skuOf(name string) string {
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	var h uint64 = 14695981039346656037
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	var b [12]byte
	for i := range b {
		h = mix(h + golden)
		b[i] = alphabet[h%uint64(len(alphabet))]
	}
	return string(b[:])
}

// appendGUID appends a GUID (8-4-4-4-12 hex digits) made of x and y.
func appendGUID(b []byte, x, y uint64) []byte {
	b = appendHex(b, x>>32, 8)
	b = append(b, '-')
	b = appendHex(b, x>>16, 4)
	b = append(b, '-')
	b = appendHex(b, 0x4000|x&0x0fff, 4)
	b = append(b, '-')
	b = appendHex(b, 0x8000|y>>48&0x3fff, 4)
	b = append(b, '-')
	return appendHex(b, y, 12)
}

// guidOf is appendGUID of a name, for fixed identifiers in catalogues.
func guidOf(name string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	return string(appendGUID(nil, mix(h), mix(h+golden)))
}

// Anchors are the first resources of the steady fleet, fixed so that even
// a small bill holds every service a demo needs (a cluster, a database,
// storage); the resources after them are drawn by weight.
func anchors(n int, name func(i int) string, names ...string) []int {
	out := make([]int, 0, len(names))
	for _, want := range names {
		for i := range n {
			if name(i) == want {
				out = append(out, i)
				break
			}
		}
	}
	return out
}
