# The reference fits for glm_test.go, by R's glm() (quasibinomial: the same
# binomial estimates, with the dispersion as Pearson's chi-squared over the
# residual degrees of freedom). Run: Rscript reference.R units.csv
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
z <- function(v) (v - mean(v)) / sqrt(mean((v - mean(v))^2))   # sd with divisor n
d$x10 <- 10 * d$coverage
d$zimd <- z(d$imd)
d$zlts <- z(d$lts)
report <- function(label, f, k) {
  s <- summary(f)
  phi <- sum(residuals(f, type = "pearson")^2) / f$df.residual
  v <- s$cov.unscaled[2, 2]
  se <- sqrt(v * max(1, phi))
  b <- coef(f)[2]
  cat(sprintf("%s beta=%.12g se=%.12g or=%.12g low=%.12g high=%.12g p=%.12g phi=%.12g b0=%.12g\n",
      label, b, se, exp(b), exp(b - 1.959964 * se), exp(b + 1.959964 * se),
      2 * pnorm(-abs(b / se)), phi, coef(f)[1]))
}
report("adjusted", glm(cbind(people, cohort - people) ~ x10 + zimd + zlts, family = quasibinomial, data = d,
       control = glm.control(epsilon = 1e-12, maxit = 100)))
report("unadjusted", glm(cbind(people, cohort - people) ~ x10, family = quasibinomial, data = d,
       control = glm.control(epsilon = 1e-12, maxit = 100)))
