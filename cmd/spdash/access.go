package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/user"
	"strings"
	"time"

	"golang.org/x/term"

	"spdash/dashboard"
	"spdash/internal/users"
	"spdash/queries"
)

// accessFlags configure sign-in for serve (docs/ACCESS.md).
type accessFlags struct {
	mode, usersFile, proxyHeader, trustedProxies, sessionKeyFile, auditDSN string
	insecureCookies                                                        bool
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (f *accessFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.mode, "auth", os.Getenv("SPDASH_AUTH"), "sign-in: users (built-in users), proxy (a trusted proxy's identity header) or off; required unless listening on loopback only (env SPDASH_AUTH)")
	fs.StringVar(&f.usersFile, "users-file", envOr("SPDASH_USERS_FILE", "./.spdash/users.json"), "the users, their roles and areas (spdash users add; env SPDASH_USERS_FILE)")
	fs.StringVar(&f.proxyHeader, "proxy-header", envOr("SPDASH_PROXY_HEADER", "X-Forwarded-User"), "with --auth proxy: the header naming the signed-in user")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", os.Getenv("SPDASH_TRUSTED_PROXIES"), "with --auth proxy: comma-separated addresses or CIDRs of the proxies allowed to send it")
	fs.StringVar(&f.sessionKeyFile, "session-key-file", os.Getenv("SPDASH_SESSION_KEY_FILE"), "with --auth users: a file of at least 32 random bytes signing session cookies, made at the first start if missing (default: a random key per process)")
	fs.BoolVar(&f.insecureCookies, "insecure-cookies", false, "send session cookies over plain http too (a test machine only)")
	fs.StringVar(&f.auditDSN, "audit-clickhouse", os.Getenv("SPDASH_AUDIT_CLICKHOUSE_URL"), "DSN of a user that may insert into the audit table, when --clickhouse's user is read-only (env SPDASH_AUDIT_CLICKHOUSE_URL)")
}

// access turns the flags into the dashboard's settings, refusing what would
// be unsafe: no sign-in on an address others can reach unless asked for.
func (f *accessFlags) access(addr string) (dashboard.Access, error) {
	var a dashboard.Access
	mode := strings.ToLower(strings.TrimSpace(f.mode))
	if mode == "" {
		if !loopbackOnly(addr) {
			return a, usageError{fmt.Sprintf("serve on %s is reachable from other machines: choose --auth users, --auth proxy, or --auth off to serve without sign-in", addr)}
		}
		mode = dashboard.AuthOff
	}
	a.Mode, a.InsecureCookies = mode, f.insecureCookies
	switch mode {
	case dashboard.AuthOff:
		return a, nil
	case dashboard.AuthUsers, dashboard.AuthProxy:
	default:
		return a, usageError{fmt.Sprintf("--auth must be users, proxy or off, got %q", f.mode)}
	}
	store, err := users.NewStore(f.usersFile, users.DefaultEvery)
	if err != nil {
		return a, usageError{err.Error()}
	}
	a.Users = store
	if mode == dashboard.AuthProxy {
		if a.ProxyHeader = strings.TrimSpace(f.proxyHeader); a.ProxyHeader == "" {
			return a, usageError{"--auth proxy needs --proxy-header"}
		}
		for _, part := range strings.Split(f.trustedProxies, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			p, err := parsePrefix(part)
			if err != nil {
				return a, usageError{fmt.Sprintf("--trusted-proxies: %q is not an address or CIDR", part)}
			}
			a.TrustedProxies = append(a.TrustedProxies, p)
		}
		if len(a.TrustedProxies) == 0 {
			return a, usageError{"--auth proxy needs --trusted-proxies: the addresses allowed to send " + a.ProxyHeader}
		}
		return a, nil
	}
	if f.sessionKeyFile != "" {
		key, err := os.ReadFile(f.sessionKeyFile)
		if errors.Is(err, os.ErrNotExist) {
			// The first start makes it, readable by this user only; replicas
			// that share the folder then share sessions.
			key, err = newSessionKey(f.sessionKeyFile)
		}
		if err != nil {
			return a, usageError{fmt.Sprintf("--session-key-file: %v", err)}
		}
		if key = []byte(strings.TrimSpace(string(key))); len(key) < 32 {
			return a, usageError{"--session-key-file must hold at least 32 bytes (e.g. head -c 48 /dev/urandom | base64 > FILE)"}
		}
		a.SessionKey = key
	}
	return a, nil
}

func newSessionKey(path string) ([]byte, error) {
	raw := make([]byte, 48)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	key := []byte(base64.StdEncoding.EncodeToString(raw))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another replica made it first
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(append(key, '\n')); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()), nil
}

// loopbackOnly reports whether addr listens on a loopback address only.
func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func accessText(a dashboard.Access) string {
	switch a.Mode {
	case dashboard.AuthUsers:
		return "with the users file"
	case dashboard.AuthProxy:
		return "through the proxy's " + a.ProxyHeader
	}
	return "off"
}

func disclosureText(off bool, a dashboard.Access) string {
	switch {
	case !off:
		return "on"
	case a.Mode == dashboard.AuthOff:
		return "off"
	}
	return "on (analysts may download without it)"
}

// auditConnection opens the audit's own connection when one is configured.
func (a *app) auditConnection(ctx context.Context, dsn string, db *queries.DB) (*queries.DB, func(), error) {
	if dsn == "" {
		return db, func() {}, nil
	}
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	adb, err := queries.Open(openCtx, dsn, a.log)
	if err != nil {
		return nil, nil, fmt.Errorf("audit connection: %w", err)
	}
	return adb, func() { _ = adb.Close() }, nil
}

// actor is who runs a command, for the audit table.
func actor(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv("SPDASH_ACTOR"); v != "" {
		return v
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

const usersUsage = "users needs a subcommand: add, remove or list"

// users manages the users file: add (or replace) a user, remove one, list.
func (a *app) users(args []string, stdin io.Reader) (int, error) {
	if len(args) == 0 {
		return exitUsage, usageError{usersUsage}
	}
	fs := flag.NewFlagSet("users "+args[0], flag.ContinueOnError)
	file := fs.String("users-file", envOr("SPDASH_USERS_FILE", "./.spdash/users.json"), "the users file (env SPDASH_USERS_FILE)")
	switch args[0] {
	case "add":
		return a.usersAdd(fs, file, args[1:], stdin)
	case "remove":
		if err := parseFlags(fs, args[1:]); err != nil {
			return exitUsage, err
		}
		if fs.NArg() != 1 {
			return exitUsage, usageError{"users remove takes one user name"}
		}
		list, err := users.Read(*file)
		if err != nil {
			return exitInvalid, err
		}
		u, ok := users.Find(list, fs.Arg(0))
		if !ok {
			return exitInvalid, fmt.Errorf("there is no user %q in %s", fs.Arg(0), *file)
		}
		list = removeUser(list, u.Name)
		if err := users.Write(*file, list); err != nil {
			return exitInvalid, err
		}
		fmt.Fprintf(a.stdout, "removed %s; their sessions end within seconds\n", u.Name)
		return exitOK, nil
	case "list":
		if err := parseFlags(fs, args[1:]); err != nil {
			return exitUsage, err
		}
		list, err := users.Read(*file)
		if err != nil {
			return exitInvalid, err
		}
		for _, u := range list {
			with := "password"
			if u.PasswordHash == "" {
				with = "proxy only"
			}
			fmt.Fprintf(a.stdout, "%s\t%s\t%s\t%s\n", u.Name, u.Role, u.ScopeText(), with)
		}
		return exitOK, nil
	}
	return exitUsage, usageError{fmt.Sprintf("unknown users subcommand %q", args[0])}
}

func (a *app) usersAdd(fs *flag.FlagSet, file *string, args []string, stdin io.Reader) (int, error) {
	role := fs.String("role", "viewer", "viewer, analyst or admin")
	icbs := fs.String("icb", "", "comma-separated ICB codes the user is limited to")
	regions := fs.String("region", "", "comma-separated region codes the user is limited to")
	noPassword := fs.Bool("no-password", false, "the user signs in only through the trusted proxy")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if fs.NArg() != 1 {
		return exitUsage, usageError{"users add takes one user name"}
	}
	u := users.User{Name: fs.Arg(0), ICBs: codes(*icbs), Regions: codes(*regions)}
	r, err := users.ParseRole(*role)
	if err != nil {
		return exitUsage, usageError{err.Error()}
	}
	u.Role = r
	if err := u.Validate(); err != nil {
		return exitUsage, usageError{err.Error()}
	}
	if !*noPassword {
		// The password comes on standard input (a pipe, or typed), never on
		// the command line where ps and shell history would keep it.
		password, err := a.readPassword(stdin, u.Name)
		if err != nil {
			return exitInvalid, err
		}
		if u.PasswordHash, err = users.HashPassword(password, users.Cost); err != nil {
			return exitInvalid, err
		}
	}
	list, err := users.Read(*file)
	if err != nil {
		return exitInvalid, err
	}
	_, existed := users.Find(list, u.Name)
	list = append(removeUser(list, u.Name), u)
	if err := users.Write(*file, list); err != nil {
		return exitInvalid, err
	}
	verb := "added"
	if existed {
		verb = "replaced (their sessions end)"
	}
	fmt.Fprintf(a.stdout, "%s %s: %s, %s\n", verb, u.Name, u.Role, u.ScopeText())
	return exitOK, nil
}

// readPassword reads a new password: typed at a terminal without echo, and
// twice to catch a typing mistake; from a pipe, its first line.
func (a *app) readPassword(stdin io.Reader, name string) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(a.stderr, "password for %s (at least %d characters): ", name, users.MinPassword)
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		fmt.Fprint(a.stderr, "the same again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		if string(first) != string(second) {
			return "", fmt.Errorf("the two passwords differ; nothing changed")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no password given on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func removeUser(list []users.User, name string) []users.User {
	out := list[:0:0]
	for _, u := range list {
		if !strings.EqualFold(u.Name, name) {
			out = append(out, u)
		}
	}
	return out
}

func codes(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
			out = append(out, c)
		}
	}
	return out
}
