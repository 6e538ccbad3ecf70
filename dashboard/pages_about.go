package dashboard

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

type aboutBody struct {
	HasData     bool
	Months      string // the months with data: activity returns or the published files
	Areas       string
	Years       string // financial years with funding data
	LatestLoad  string
	Definitions []definitionGroup
	Disclosure  string // which disclosure control applies
}

type definitionGroup struct {
	Title string
	Items []definition
}

type definition struct{ Term, Meaning string }

// aboutPage describes the figures (briefly, from METRICS.md), how fresh the
// data is and how to load more. Nothing on it depends on the selection, but
// it has the same filter bar as the other pages, so the selection carries on.
func (s *Server) aboutPage(c echo.Context) error {
	v, q, err := s.pageSelection(c)
	if err != nil {
		return err
	}
	p := basePage(c, v, q, "About the data")
	p.Lead, p.NoData = "", false
	body := aboutBody{HasData: v.HasData(), Definitions: definitions(s.settings.CaseloadStandard), Disclosure: p.Disclosure}
	if v.HasData() {
		body.Months = fmt.Sprintf("%s (%s)", periodLabel(v.Data.FirstMonth, v.Data.LastMonth),
			monthsLabel((v.Data.LastMonth.Year()-v.Data.FirstMonth.Year())*12+int(v.Data.LastMonth.Month()-v.Data.FirstMonth.Month())+1))
		body.Areas = fmt.Sprintf("%s PCNs in %s ICBs and %s regions", fmtCount(float64(len(v.Geography.PCNs))),
			fmtCount(float64(len(v.Geography.ICBs))), fmtCount(float64(len(v.Geography.Regions))))
	}
	if len(v.Data.FinancialYears) > 0 {
		body.Years = strings.Join(v.Data.FinancialYears, ", ")
	}
	loads, err := s.db.RecentLoads(c.Request().Context(), 1)
	if err != nil {
		return fmt.Errorf("about: %w", err)
	}
	if len(loads) > 0 {
		l := loads[0]
		when := l.StartedAt
		if l.FinishedAt != nil {
			when = *l.FinishedAt
		}
		body.LatestLoad = fmt.Sprintf("%s (%s file): %s, %s rows loaded, %s UTC", l.FileName, l.Kind, l.Status,
			fmtCount(float64(l.RowsLoaded)), when.UTC().Format("2 January 2006 15:04"))
	}
	p.Body = body
	return s.render(c, http.StatusOK, "about", p)
}

func definitions(standard float64) []definitionGroup {
	return []definitionGroup{
		{"The selection", []definition{
			{"Period", "A range of whole months, by default the latest 12 with data. Flows (referrals, people supported, outcomes) are added up over the period; stocks (FTE, caseload, staff in post and trained) are taken at the period's last month."},
			{"Place and level", "England, a region or an ICB, shown by region, ICB or PCN. An area's figures are the sums over its PCNs."},
		}},
		{"Capacity", []definition{
			{"Referrals", "Referrals received in the period; accepted referrals are those taken on."},
			{"FTE per 100,000 people", "Link-worker full-time equivalents in post, per 100,000 people registered."},
			{"Caseload per FTE", "People on link workers' active caseloads per FTE; unknown when no FTE is in post."},
			{"Capacity gap", fmt.Sprintf("The extra FTE needed to see the referrals accepted in a year at %s people per FTE a year: accepted a year ÷ %s − FTE, and never below 0.", fmtCount(standard), fmtCount(standard))},
			{"Median wait", "The median of the providers' monthly median waits from referral to first contact."},
		}},
		{"Training", []definition{
			{"Coverage", "Staff trained in a module ÷ staff in post, at the period's last month."},
			{"Work training coverage", "Coverage of the employment support module; untrained staff are those in post not yet trained in it."},
			{"IPS awareness", "Awareness of Individual Placement and Support, the employment support offered to people with severe mental illness."},
		}},
		{"Work and related outcomes", []definition{
			{"Rate", "People who achieved an outcome ÷ the outcome's cohort, over the period. Outcomes are never added together: one person can achieve several."},
			{"95% interval", "The Wilson score interval of the rate."},
			{"Compared with England", "Higher or lower when the area's interval lies wholly above or below England's rate, otherwise similar; not compared when the cohort is under 10."},
			{"Funnel limits", "England's rate ± 1.96 (95%) or 3.09 (99.8%) standard errors for a cohort of each size: an area outside them differs from England by more than chance would explain."},
		}},
		{"Evidence", []definition{
			{"Odds ratio per 10 points of coverage", "From a model fitted across the PCNs of the place, for each outcome: how the odds of the outcome change when work training coverage (at the period's first month) is 10 percentage points higher, allowing for deprivation and long-term sickness. Above 1, PCNs with more trained link workers tended to do better."},
			{"What it is not", "An association across areas, not proof that training causes outcomes for any person. With fewer than 20 PCNs, or figures that do not vary enough, it cannot be estimated."},
		}},
		{"Recent trend", []definition{
			{"Recent trend", "Whether a rate (an outcome, or work training coverage) rose or fell over the period's months by more than chance would explain: increasing or decreasing when a test for trend (Cochran–Armitage) is beyond its 99.8% point and the direction holds with any one month left out; otherwise no significant change; fewer than 5 months with people counted: cannot be calculated. Shown in words beside the rate, never by colour alone."},
		}},
		{"Statistical peers", []definition{
			{"Peers", "The 10 areas of the same level in England most like an area in deprivation, long-term sickness, the working-age share of its population and its size. An area's profile shows its figures beside its peers' together, and where it ranks among them."},
		}},
		{"Inequality", []definition{
			{"Deprivation decile", "Every PCN in England is placed by its IMD score into one of ten groups with a tenth of the population each: decile 1 the most deprived, 10 the least. Core20 is deciles 1 and 2, the most deprived fifth."},
			{"Slope index of inequality", "The gap in a rate between the least and the most deprived, read off a line through every decile: positive when the least deprived do better. With fewer than 5 deciles of 10 or more people it cannot be calculated."},
		}},
		{"Published NHS files", []definition{
			{"Census FTE and headcount", "From NHS England's monthly Primary Care Network Workforce census, as published: the link workers' full-time equivalents (staff and contracted services, both the general and the mental-health role) at the latest census month up to the period's end, and the number of different people (a person working in two PCNs counts once in their ICB). Contracted services add FTE but no people."},
			{"Returned − census FTE", "The returns' link-worker FTE at the period's end minus the census FTE, also as a share of the census; beyond 20% either way the area is listed on the data-quality page. A large gap may be a late or wrong return, or staff one source counts and the other does not."},
			{"Social prescribing appointments", "From NHS England's Appointments in General Practice: appointments GP practices booked in the national category \"Social Prescribing Service\", attended, not attended or of unknown status, a year per 1,000 people. The did-not-attend rate is those not attended ÷ those attended or not. Counts of appointments are rounded or withheld below England like counts of people."},
		}},
		{"Data quality", []definition{
			{"Completeness of returns", "Of the providers that sent a PCN's activity return in any of the 3 months before, the share whose return for the month has arrived. Below 90% a month is incomplete: its figures may be low because returns are missing, and every page for that place warns of it."},
			{"Data as of", "When each kind of return was last loaded; the footer of every page says so."},
		}},
	}
}
