// Package benchmix is the set of dashboard requests the benchmarks send:
// every page and API call, at the selections commissioners use.
package benchmix

// URLs is every page and API call of the mix, as paths with their queries.
var URLs = []string{
	"/", "/capacity", "/training", "/outcomes", "/funding", "/targeting", "/downloads", "/about",
	"/capacity?level=icb", "/outcomes?level=icb", "/capacity?level=pcn", "/outcomes?level=pcn&outcome=entered_employment",
	"/targeting?level=pcn&budget=2000000", "/targeting?level=icb&budget=5000000&vs_need_weight=2",
	"/api/v1/metrics", "/api/v1/metrics?level=icb", "/api/v1/metrics?level=pcn", "/api/v1/targeting?level=pcn",
}
