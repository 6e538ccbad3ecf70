package dashboard

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"spdash/internal/users"
)

// adminPage shows admins who may sign in, the latest loads and the latest
// audit events. It only reads: users are managed with spdash users (the
// dashboard's database user may not write), loads with spdash etl.
func (s *Server) adminPage(c echo.Context) error {
	p := s.principalOf(c.Request().Context())
	if !p.Role.AtLeast(users.Admin) {
		return echo.NewHTTPError(http.StatusForbidden, "This page is for the dashboard's administrators.")
	}
	ctx := c.Request().Context()
	body := adminBody{Mode: s.accessConf.Mode}
	if s.accessConf.Users != nil {
		list, err := s.currentUsers()
		if err != nil {
			return err
		}
		body.Users = table{ID: "users", Caption: "Users (manage them with spdash users add, remove and list)", RowHeads: true,
			Head: []column{{Label: "User"}, {Label: "Role"}, {Label: "Areas"}, {Label: "Signs in with"}}}
		for _, u := range list {
			with := "a password"
			if u.PasswordHash == "" {
				with = "the proxy only"
			}
			body.Users.Rows = append(body.Users.Rows, []cell{{Text: u.Name}, {Text: string(u.Role)}, {Text: u.ScopeText()}, {Text: with}})
		}
	}
	loads, err := s.db.RecentLoads(ctx, 20)
	if err != nil {
		return err
	}
	body.Loads = table{ID: "loads", Caption: "The latest 20 loads", RowHeads: true,
		Head: []column{{Label: "Load"}, {Label: "File"}, {Label: "Kind"}, {Label: "Status"}, {Label: "Rows loaded", Num: true}, {Label: "Rows refused", Num: true}, {Label: "Started (UTC)"}}}
	for _, l := range loads {
		body.Loads.Rows = append(body.Loads.Rows, []cell{{Text: fmt.Sprint(l.Seq)}, {Text: l.FileName}, {Text: l.Kind}, {Text: l.Status},
			num(fmtCount(float64(l.RowsLoaded))), num(fmtCount(float64(l.RowsRejected))), {Text: l.StartedAt.UTC().Format("2006-01-02 15:04:05")}})
	}
	events, err := s.db.RecentAudit(ctx, 50)
	if err != nil {
		return err
	}
	body.Audit = table{ID: "audit", Caption: "The latest 50 audit events (all of them: SELECT … FROM audit)", RowHeads: true,
		Head: []column{{Label: "When (UTC)"}, {Label: "Who"}, {Label: "Role"}, {Label: "What"}, {Label: "Of"}, {Label: "Outcome"}, {Label: "Detail"}, {Label: "From"}, {Label: "Request"}}}
	for _, e := range events {
		body.Audit.Rows = append(body.Audit.Rows, []cell{{Text: e.At.UTC().Format("2006-01-02 15:04:05")}, {Text: e.Actor}, {Text: e.Role}, {Text: e.Action},
			{Text: e.Object}, {Text: e.Outcome}, {Text: e.Detail}, {Text: e.Client}, {Text: e.RequestID}})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, http.StatusOK, "admin", &pageData{Title: "Administration", Nav: navLinks("/admin", ""), Body: body})
}

type adminBody struct {
	Mode                string
	Users, Loads, Audit table
}
