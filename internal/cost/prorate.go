package cost

import (
	"math/big"
	"time"

	"github.com/shopspring/decimal"
)

// Prorate returns the part of amount, charged for [start, end), that
// falls in [a, b): the amount in proportion to the time overlap, as
// Kubecost splits an item across the steps of an answer (a monthly fee
// counts 1/30 of itself on each day of a 30-day month).
//
// The parts are exact: the part of [a, b) is R(a…b) = C(b) − C(a), where
// C(t) is the amount charged by t, amount·(t − start)/(end − start),
// rounded half to even at Scale digits (Tally's one rule, round.go), and
// C(end) is the amount itself. So the parts of adjacent windows
// telescope: however a period is cut, its parts add up to the amount to
// the last digit, which rounding each part on its own would not.
//
// Times count in whole microseconds, the store's resolution, so that a
// store computing the same formula in SQL gets the same digits. An item
// without a positive duration is not spread: all of it is in [a, b) when
// start is.
func Prorate(amount decimal.Decimal, start, end, a, b time.Time) decimal.Decimal {
	s, e := start.UnixMicro(), end.UnixMicro()
	if e <= s {
		if !start.Before(a) && start.Before(b) {
			return amount
		}
		return decimal.Zero
	}
	ta, tb := clamp(a.UnixMicro(), s, e)-s, clamp(b.UnixMicro(), s, e)-s
	if tb <= ta {
		return decimal.Zero
	}
	n := Round(amount).Shift(Scale).BigInt() // exact: at most Scale digits
	d := big.NewInt(e - s)
	part := new(big.Int).Sub(charged(n, tb, d), charged(n, ta, d))
	return FromScaled(part)
}

func clamp(t, lo, hi int64) int64 { return min(max(t, lo), hi) }

// charged is n·t/d rounded half to even to an integer (n in units of
// 10^-Scale, 0 ≤ t ≤ d).
func charged(n *big.Int, t int64, d *big.Int) *big.Int {
	neg := n.Sign() < 0
	num := new(big.Int).Mul(new(big.Int).Abs(n), big.NewInt(t))
	q, r := new(big.Int).QuoRem(num, d, new(big.Int))
	// Round half to even; the rule is symmetric, so the sign is put back
	// afterwards.
	switch c := new(big.Int).Lsh(r, 1).Cmp(d); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q
}
