package forecast

import "math"

// hwParams are the smoothing parameters of additive Holt-Winters with a
// damped trend (Gardner and McKenzie): level α, trend β, season γ, and
// the damping φ that lets the trend fade over the horizon instead of
// running a month-end projection off along a straight line.
type hwParams struct{ alpha, beta, gamma, phi float64 }

// The grid the parameters are fitted on. A grid rather than an
// optimiser: the sum of squared errors over a few dozen days is rugged,
// and a grid's answer is reproducible and cheap (a few hundred runs of a
// linear pass).
var (
	alphas = []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.7}
	betas  = []float64{0, 0.01, 0.05, 0.1, 0.2}
	gammas = []float64{0.05, 0.1, 0.2, 0.3, 0.5}
	phis   = []float64{0.9, 0.98}
)

// hwState is the model after the last observation.
type hwState struct {
	p      hwParams
	level  float64
	trend  float64
	season []float64 // season[t%Season] is the term of day t
	n      int       // observations consumed
}

// fitHoltWinters picks the parameters of the grid with the smallest sum
// of squared one-step errors after the first two seasons, which only
// initialise the state; len(y) >= MinHoltWinters.
func fitHoltWinters(y []float64) hwState {
	best, bestSSE := hwState{}, math.Inf(1)
	for _, a := range alphas {
		for _, b := range betas {
			for _, g := range gammas {
				for _, phi := range phis {
					s, sse := runHoltWinters(y, hwParams{a, b, g, phi})
					if sse < bestSSE {
						best, bestSSE = s, sse
					}
				}
			}
		}
	}
	return best
}

// runHoltWinters initialises the state from the first two seasons (level:
// the first week's mean; trend: the change of the weekly mean per day;
// season: the first week's deviations from its mean) and updates it with
// every later day, adding up the squared one-step errors.
func runHoltWinters(y []float64, p hwParams) (hwState, float64) {
	m := Season
	var m1, m2 float64
	for i := range m {
		m1 += y[i]
		m2 += y[m+i]
	}
	m1, m2 = m1/float64(m), m2/float64(m)
	s := hwState{p: p, level: m1, trend: (m2 - m1) / float64(m), season: make([]float64, m), n: m}
	for i := range m {
		s.season[i] = y[i] - m1
	}
	var sse float64
	for t := m; t < len(y); t++ {
		e := y[t] - (s.level + p.phi*s.trend + s.season[t%m])
		if t >= 2*m {
			sse += e * e
		}
		s.update(y[t], t)
	}
	return s, sse
}

func (s *hwState) update(v float64, t int) {
	p, m := s.p, Season
	prev := s.level
	s.level = p.alpha*(v-s.season[t%m]) + (1-p.alpha)*(prev+p.phi*s.trend)
	s.trend = p.beta*(s.level-prev) + (1-p.beta)*p.phi*s.trend
	s.season[t%m] = p.gamma*(v-s.level) + (1-p.gamma)*s.season[t%m]
	s.n = t + 1
}

// forecast continues the fitted state h days past y (the series it was
// fitted on): level, plus the damped trend summed over the steps, plus
// that weekday's seasonal term.
func (s hwState) forecast(y []float64, h int) []float64 {
	out := make([]float64, h)
	damp := 0.0
	pow := 1.0
	for k := range h {
		pow *= s.p.phi
		damp += pow
		out[k] = s.level + damp*s.trend + s.season[(len(y)+k)%Season]
	}
	return out
}
