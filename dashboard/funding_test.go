package dashboard_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// The /funding page's figures are the API's; an area with no funding return
// for the year is shown as such (null in the API), never as £0.
func TestFundingPageFiguresAreTheAPIs(t *testing.T) {
	srv, _ := pageServer(t)
	for _, query := range []string{"?level=pcn", "?level=pcn&fy=2025-26", "?level=icb"} {
		status, _, body := get(t, srv, "/funding"+query)
		if status != 200 {
			t.Fatalf("/funding%s: %d", query, status)
		}
		checkPage(t, "/funding"+query, body)
		_, _, raw := get(t, srv, "/api/v1/metrics"+query)
		var api struct {
			FY    string `json:"fy"`
			Areas []struct {
				Code            string              `json:"code"`
				PCNs            int                 `json:"pcns"`
				FundingReturns  int                 `json:"pcns_with_funding"`
				Funding         *float64            `json:"funding"`
				FundingPer1k    *float64            `json:"funding_per_1k"`
				FundingByStream map[string]*float64 `json:"funding_by_stream"`
				Suppressed      []string            `json:"suppressed"`
				Outcomes        map[string]struct {
					CostPerOutcome *float64 `json:"cost_per_outcome"`
				} `json:"outcomes"`
			}
		}
		if err := json.Unmarshal([]byte(raw), &api); err != nil {
			t.Fatal(err)
		}
		doc := parseHTML(t, body)
		rowsOf := func(id string) map[string][]string {
			tbl := findFirst(doc, func(n *html.Node) bool { return attr(n, "id") == id })
			if tbl == nil {
				t.Fatalf("%s: no #%s", query, id)
			}
			out := map[string][]string{}
			for _, row := range findAll(findFirst(tbl, func(n *html.Node) bool { return n.Data == "tbody" }), func(n *html.Node) bool { return n.Data == "tr" }) {
				cells := findAll(row, func(n *html.Node) bool { return n.Data == "td" || n.Data == "th" })
				link := findFirst(cells[0], func(n *html.Node) bool { return n.Data == "a" })
				code := strings.TrimPrefix(strings.SplitN(attr(link, "href"), "?", 2)[0], "/areas/")
				var texts []string
				for _, c := range cells {
					texts = append(texts, strings.ReplaceAll(text(c), ",", ""))
				}
				out[code] = texts
			}
			return out
		}
		streams, per1k, costs := rowsOf("funding-streams-table"), rowsOf("funding-per-1k-table"), rowsOf("cost-per-outcome-table")
		// The cost table's columns: area, (ICB,) then the outcomes from the
		// indirect routes to employment.
		route := []string{"improved_wellbeing", "improved_work_readiness", "entered_volunteering",
			"entered_education_training", "started_job_search", "entered_employment", "retained_employment"}
		if len(streams) != len(api.Areas) || len(api.Areas) == 0 {
			t.Fatalf("%s: %d rows, %d areas", query, len(streams), len(api.Areas))
		}
		missing := 0
		for _, a := range api.Areas {
			s, p, cst := streams[a.Code], per1k[a.Code], costs[a.Code]
			for i, o := range route {
				got := cst[len(cst)-len(route)+i]
				want := "no funding return"
				switch c := a.Outcomes[o].CostPerOutcome; {
				case c == nil && strings.Contains(" "+strings.Join(a.Suppressed, " ")+" ", " outcomes."+o+".cost_per_outcome "):
					want = "*" // withheld with the people it divides by
				case a.Funding != nil && c == nil:
					want = "unknown"
				case c != nil:
					want = strconv.FormatFloat(*c, 'f', 0, 64)
				}
				if got != want {
					t.Errorf("%s %s cost per %s: page %q, API %q", query, a.Code, o, got, want)
				}
			}
			total, per := s[len(s)-1], p[len(p)-1]
			if a.Funding == nil {
				missing++
				if total != "no funding return" || per != "no funding return" {
					t.Errorf("%s %s: no funding in the API, page shows %q and %q", query, a.Code, total, per)
				}
				continue
			}
			if total != "£"+strconv.FormatFloat(*a.Funding, 'f', 0, 64) {
				t.Errorf("%s %s: total %q, API %v", query, a.Code, total, *a.Funding)
			}
			if per != strconv.FormatFloat(*a.FundingPer1k, 'f', 1, 64) {
				t.Errorf("%s %s: per 1,000 %q, API %v", query, a.Code, per, *a.FundingPer1k)
			}
			// The streams add up to the total.
			var sum float64
			for _, v := range a.FundingByStream {
				sum += *v
			}
			if !sixFigures(sum, *a.Funding) {
				t.Errorf("%s %s: streams add to %v, funding %v", query, a.Code, sum, *a.Funding)
			}
		}
		// The sample leaves one PCN without its latest funding return.
		if query == "?level=pcn" && missing != 1 {
			t.Errorf("%s: %d areas without a funding return, want the sample's 1", query, missing)
		}
		// Its ICB has a funding return from all its PCNs but one: its
		// funding per 1,000 people counts that PCN's people without its
		// money, and the page says so instead of judging its rate.
		if query == "?level=icb" {
			need := rowsOf("funding-need-table")
			partial := 0
			for _, a := range api.Areas {
				verdict := need[a.Code][len(need[a.Code])-1]
				switch {
				case a.PCNs < 1 || a.FundingReturns > a.PCNs:
					t.Errorf("%s %s: %d of %d PCNs with a funding return", query, a.Code, a.FundingReturns, a.PCNs)
				case a.FundingReturns < a.PCNs:
					partial++
					if want := "1 of its " + strconv.Itoa(a.PCNs) + " PCNs sent no funding return"; a.FundingReturns != a.PCNs-1 || !strings.Contains(verdict, want) {
						t.Errorf("%s %s (%d of %d PCNs with a return): verdict %q; want it to say %q", query, a.Code, a.FundingReturns, a.PCNs, verdict, want)
					}
				case strings.Contains(verdict, "no funding return"):
					t.Errorf("%s %s: every PCN sent a return, verdict %q", query, a.Code, verdict)
				}
			}
			if partial != 1 || !strings.Contains(body, "1 ICB lacks a funding return from some of its PCNs") {
				t.Errorf("%s: %d ICBs lacking a PCN's funding return; want the sample's 1, named in the summary", query, partial)
			}
		}
		if strings.Count(body, `name="fy"`) != 1 {
			t.Errorf("%s: the financial year is in the form %d times", query, strings.Count(body, `name="fy"`))
		}
	}
}
