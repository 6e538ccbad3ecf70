# The reference fits for the tests (queries/glm/glm_test.go, and the API's
# dashboard/evidence_test.go), by R's glm(): quasibinomial gives the binomial
# estimates with the dispersion as Pearson's chi-squared over the residual
# degrees of freedom. Run: Rscript reference.R UNITS.csv
#
# As METRICS.md fixes the method: the fit is repeated from its own estimates
# until no coefficient moves by 1e-10 (glm's own rule is on the deviance,
# looser in the coefficients), and the variance uses W at those estimates.
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
z <- function(v) (v - mean(v)) / sqrt(mean((v - mean(v))^2))   # sd with divisor n
d$x10 <- 10 * d$coverage
d$zimd <- z(d$imd)
d$zlts <- z(d$lts)
fit <- function(formula) {
  f <- suppressWarnings(glm(formula, family = quasibinomial, data = d, control = glm.control(epsilon = 1e-12, maxit = 100)))
  for (i in 1:20) {
    g <- suppressWarnings(glm(formula, family = quasibinomial, data = d, start = coef(f), control = glm.control(epsilon = 1e-14, maxit = 100)))
    moved <- max(abs(coef(g) - coef(f)))
    f <- g
    if (moved < 1e-10) break
  }
  f
}
report <- function(label, f) {
  X <- model.matrix(f)
  mu <- fitted(f)
  w <- d$cohort * mu * (1 - mu)
  V <- solve(t(X) %*% (w * X))
  phi <- sum((d$people - d$cohort * mu)^2 / w) / (nrow(X) - ncol(X))
  se <- sqrt(V[2, 2] * max(1, phi))
  b <- coef(f)[2]
  cat(sprintf("%s beta=%.12g se=%.12g or=%.12g low=%.12g high=%.12g p=%.12g phi=%.12g b0=%.12g\n",
      label, b, se, exp(b), exp(b - 1.959964 * se), exp(b + 1.959964 * se),
      2 * pnorm(-abs(b / se)), phi, coef(f)[1]))
}
report("adjusted", fit(cbind(people, cohort - people) ~ x10 + zimd + zlts))
report("unadjusted", fit(cbind(people, cohort - people) ~ x10))
