// Package glm fits a binomial generalised linear model with a logit link by
// iteratively reweighted least squares, as METRICS.md's evidence section
// fixes it: from β = 0 until every |Δβ| < 1e-10, at most 100 iterations;
// the dispersion is Pearson's χ² over the residual degrees of freedom.
//
// The linear algebra is gonum's (a Cholesky factorisation of XᵀWX, which
// also says when it is singular); the rest is the textbook algorithm
// (McCullagh and Nelder, Generalized Linear Models, §4.4), checked in the
// tests against R's glm().
package glm

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Why a model cannot be estimated.
var (
	ErrSingular      = errors.New("XᵀWX is singular (a covariate is constant, or explained by the others, or the outcomes are perfectly separated)")
	ErrNoConvergence = errors.New("the fit did not converge in 100 iterations (the outcomes are separated, or nearly)")
	ErrTooFew        = errors.New("no residual degrees of freedom")
)

const (
	tolerance     = 1e-10
	maxIterations = 100
	// A condition number beyond this is singular in float64 for the
	// purpose here: the inverse's diagonal would be noise.
	maxCondition = 1e12
)

// Fit is a converged model.
type Fit struct {
	Beta []float64
	// Unscaled is (XᵀWX)⁻¹ with W at the converged β: the covariance of β
	// when the dispersion is 1.
	Unscaled   *mat.SymDense
	Dispersion float64 // Pearson χ² / (n − p)
	Iterations int
}

// Binomial fits logit P(success) = Xβ to successes y of trials m (each row
// of X one unit, its first column the intercept's 1s).
func Binomial(x [][]float64, y, m []float64) (*Fit, error) {
	n := len(x)
	if n == 0 || len(y) != n || len(m) != n {
		return nil, fmt.Errorf("glm: %d rows, %d successes, %d trials", n, len(y), len(m))
	}
	p := len(x[0])
	if n <= p {
		return nil, ErrTooFew
	}
	X := mat.NewDense(n, p, nil)
	for i, row := range x {
		if len(row) != p {
			return nil, fmt.Errorf("glm: row %d has %d columns, want %d", i, len(row), p)
		}
		if m[i] <= 0 || y[i] < 0 || y[i] > m[i] {
			return nil, fmt.Errorf("glm: row %d: %g successes of %g trials", i, y[i], m[i])
		}
		X.SetRow(i, row)
	}
	beta := make([]float64, p)
	for it := 1; it <= maxIterations; it++ {
		xtwx, xtwz := normalEquations(X, beta, y, m)
		var chol mat.Cholesky
		if ok := chol.Factorize(xtwx); !ok || chol.Cond() > maxCondition {
			return nil, ErrSingular
		}
		var next mat.VecDense
		if err := chol.SolveVecTo(&next, xtwz); err != nil {
			return nil, ErrSingular
		}
		change := 0.0
		for j := range beta {
			change = math.Max(change, math.Abs(next.AtVec(j)-beta[j]))
			beta[j] = next.AtVec(j)
		}
		if math.IsNaN(change) || math.IsInf(change, 0) {
			return nil, ErrNoConvergence
		}
		if change < tolerance {
			return finish(X, beta, y, m, it)
		}
	}
	return nil, ErrNoConvergence
}

// normalEquations are XᵀWX and XᵀWz at β: W = m·μ(1−μ), z the working
// response η + (y − mμ)/(m·μ(1−μ)).
func normalEquations(X *mat.Dense, beta, y, m []float64) (*mat.SymDense, *mat.VecDense) {
	n, p := X.Dims()
	xtwx := mat.NewSymDense(p, nil)
	xtwz := mat.NewVecDense(p, nil)
	for i := 0; i < n; i++ {
		row := X.RawRowView(i)
		eta := dot(row, beta)
		mu := expit(eta)
		w := m[i] * mu * (1 - mu)
		z := eta + (y[i]-m[i]*mu)/w
		for a := 0; a < p; a++ {
			xtwz.SetVec(a, xtwz.AtVec(a)+row[a]*w*z)
			for b := a; b < p; b++ {
				xtwx.SetSym(a, b, xtwx.At(a, b)+row[a]*w*row[b])
			}
		}
	}
	return xtwx, xtwz
}

func finish(X *mat.Dense, beta, y, m []float64, iterations int) (*Fit, error) {
	n, p := X.Dims()
	xtwx, _ := normalEquations(X, beta, y, m)
	var chol mat.Cholesky
	if ok := chol.Factorize(xtwx); !ok || chol.Cond() > maxCondition {
		return nil, ErrSingular
	}
	inv := mat.NewSymDense(p, nil)
	if err := chol.InverseTo(inv); err != nil {
		return nil, ErrSingular
	}
	pearson := 0.0
	for i := 0; i < n; i++ {
		mu := expit(dot(X.RawRowView(i), beta))
		r := y[i] - m[i]*mu
		pearson += r * r / (m[i] * mu * (1 - mu))
	}
	return &Fit{Beta: beta, Unscaled: inv, Dispersion: pearson / float64(n-p), Iterations: iterations}, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// expit is the logistic function, written to stay finite far from 0.
func expit(eta float64) float64 {
	if eta >= 0 {
		return 1 / (1 + math.Exp(-eta))
	}
	e := math.Exp(eta)
	return e / (1 + e)
}

// Coefficient is one β with its interval, the dispersion applied as
// METRICS.md says: SE = √(v · max(1, φ)), so that φ < 1 never narrows it.
type Coefficient struct {
	Beta, SE, Low, High, P float64
}

// Z is the two-sided 95% normal quantile METRICS.md fixes.
const Z = 1.959964

// Coef returns coefficient j.
func (f *Fit) Coef(j int) Coefficient {
	se := math.Sqrt(f.Unscaled.At(j, j) * math.Max(1, f.Dispersion))
	b := f.Beta[j]
	return Coefficient{Beta: b, SE: se, Low: b - Z*se, High: b + Z*se, P: math.Erfc(math.Abs(b/se) / math.Sqrt2)}
}
