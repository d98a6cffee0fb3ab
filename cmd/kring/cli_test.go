package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
)

func TestInit(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nested", "data")

	r := kring(t, "init", "--host", "kring.example.nl", "--data", dir, "--name", "Kring Utrecht", "--language", "en")
	wantOK(t, r)
	if want := "Initialised node \"Kring Utrecht\" for host kring.example.nl in " + dir + "."; !strings.Contains(r.stdout, want) {
		t.Errorf("stdout does not say %q:\n%s", want, r.stdout)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data folder mode %o, want 700", perm)
	}
	db := openStorage(t, filepath.Join(dir, storage.FileName))
	node, err := db.Node(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if node.Host != "kring.example.nl" || node.Name != "Kring Utrecht" || node.DefaultLanguage != content.LanguageEnglish {
		t.Errorf("node = %q %q %q, want kring.example.nl, Kring Utrecht, en", node.Host, node.Name, node.DefaultLanguage)
	}
	if _, err := content.ParsePrivateKey(node.PrivateKeyPEM); err != nil {
		t.Errorf("instance key: %v", err)
	}

	t.Run("again with the same host is harmless", func(t *testing.T) {
		r := kring(t, "init", "--host", "kring.example.nl", "--data", dir, "--name", "Other name")
		wantOK(t, r)
		if !strings.Contains(r.stdout, "already initialised") {
			t.Errorf("stdout does not say already initialised:\n%s", r.stdout)
		}
		again, err := db.Node(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if again.PrivateKeyPEM != node.PrivateKeyPEM || again.Name != node.Name {
			t.Error("second init changed the node's settings or keys")
		}
	})
	t.Run("another host is refused", func(t *testing.T) {
		r := kring(t, "init", "--host", "other.example.nl", "--data", dir)
		wantError(t, r, 1,
			`this node was initialised for host "kring.example.nl"; the host cannot change to "other.example.nl" because every actor id and follower on the fediverse depends on it`,
			"keep the host the node was initialised with, or use a new --data folder for a new node")
	})
}

func TestInitRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		code     int
		fragment string
	}{
		{"no host", []string{"init"}, 2, "--host is required"},
		{"uppercase host", []string{"init", "--host", "Kring.example.nl"}, 1, "must be lowercase"},
		{"host with scheme", []string{"init", "--host", "https://kring.example.nl"}, 1, "without scheme or path"},
		{"unknown language", []string{"init", "--host", "kring.example.nl", "--language", "de"}, 1, `unsupported language "de"`},
		{"empty name", []string{"init", "--host", "kring.example.nl", "--name", " "}, 1, "node name is empty"},
		{"argument", []string{"init", "--host", "kring.example.nl", "extra"}, 2, `unexpected argument "extra"`},
		{"unknown flag", []string{"init", "--hots", "kring.example.nl"}, 2, "flag provided but not defined: -hots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			r := kring(t, append(tt.args, "--data", dir)...)
			wantErrorContains(t, r, tt.code, tt.fragment)
			if _, err := os.Stat(filepath.Join(dir, storage.FileName)); err == nil {
				t.Error("a refused init created the database")
			}
		})
	}
}

func TestUninitialised(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "empty")
	file := filepath.Join(t.TempDir(), "backup.db")
	for _, args := range [][]string{
		{"user", "list"},
		{"user", "add", "jdevries"},
		{"user", "show", "jdevries"},
		{"user", "suspend", "jdevries"},
		{"user", "reset-password", "jdevries"},
		{"backup", file},
		{"migrate", "status"},
		{"migrate", "up"},
		{"serve", "--listen", "127.0.0.1:0"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := kring(t, append(args, "--data", dir)...)
			wantError(t, r, 1,
				"no Kring node in "+dir+" ("+filepath.Join(dir, "kring.db")+" not found)",
				"kring init --host HOST --data "+dir)
		})
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a command on an uninitialised folder created it")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	db, err := sql.Open("sqlite", filepath.Join(dir, storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, args := range [][]string{
		{"user", "list"},
		{"serve", "--listen", "127.0.0.1:0"},
		{"migrate", "up"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := kring(t, append(args, "--data", dir)...)
			wantErrorContains(t, r, 1, "database schema is newer than this kring binary", "at version 999",
				"Try: run the newer kring binary, or restore a backup")
		})
	}
}

func TestUserAdd(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	ctx := context.Background()

	r := kring(t, "user", "add", "jdevries", "--display-name", "Jan de Vries", "--email", "jan@gemeente.nl", "--role", "moderator", "--data", dir)
	wantOK(t, r)
	password := printedPassword(t, r.stdout)
	db := openStorage(t, filepath.Join(dir, storage.FileName))
	m, err := db.MemberByUsername(ctx, "jdevries")
	if err != nil {
		t.Fatal(err)
	}
	if m.DisplayName != "Jan de Vries" || m.Email != "jan@gemeente.nl" || m.Role != content.RoleModerator {
		t.Errorf("member = %q %q %q", m.DisplayName, m.Email, m.Role)
	}
	if ok, err := content.CheckPassword(m.PasswordHash, password); !ok || err != nil {
		t.Errorf("printed password does not verify: %v %v", ok, err)
	}
	if _, err := content.ParsePrivateKey(m.PrivateKeyPEM); err != nil {
		t.Errorf("member key: %v", err)
	}

	t.Run("password from stdin", func(t *testing.T) {
		t.Parallel()
		r := kringWith(t, runOpts{stdin: "een lang wachtwoord\n"}, "user", "add", "piet", "--password-stdin", "--data", dir)
		wantOK(t, r)
		if strings.Contains(r.stdout, "Password:") {
			t.Errorf("printed a password it was given:\n%s", r.stdout)
		}
		m, err := db.MemberByUsername(ctx, "piet")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := content.CheckPassword(m.PasswordHash, "een lang wachtwoord"); !ok {
			t.Error("password from stdin does not verify")
		}
	})

	tests := []struct {
		name      string
		args      []string
		stdin     string
		msg, try  string
		wantCode  int
		fragments []string
	}{
		{name: "duplicate", args: []string{"jdevries"},
			msg: `username "jdevries" is already taken`, try: "choose another name; kring user list and kring forum list show the taken ones"},
		{name: "uppercase", args: []string{"JanDeVries"},
			msg: `username "JanDeVries" may only hold lowercase letters a-z, digits and _`,
			try: "use 1–30 lowercase letters, digits or _ that are not a reserved word, e.g. kring user add jdevries"},
		{name: "too long", args: []string{strings.Repeat("a", 31)},
			msg: `username "` + strings.Repeat("a", 31) + `" is longer than 30 characters`,
			try: "use 1–30 lowercase letters, digits or _ that are not a reserved word, e.g. kring user add jdevries"},
		{name: "reserved", args: []string{"admin"},
			msg: `username "admin" is reserved`,
			try: "use 1–30 lowercase letters, digits or _ that are not a reserved word, e.g. kring user add jdevries"},
		{name: "weak password", args: []string{"klaas", "--password-stdin"}, stdin: "kort\n",
			msg: "password is too weak: use at least 10 characters",
			try: "use at least 10 characters that are not the username, one repeated character or a well-known password; or leave out --password-stdin to get a generated one"},
		{name: "common password", args: []string{"klaas", "--password-stdin"}, stdin: "wachtwoord123\n",
			msg: "password is too weak: it is a well-known password",
			try: "use at least 10 characters that are not the username, one repeated character or a well-known password; or leave out --password-stdin to get a generated one"},
		{name: "empty stdin", args: []string{"klaas", "--password-stdin"},
			msg: "--password-stdin: standard input is empty",
			try: "echo 'a long passphrase' | kring user ... --password-stdin, or leave out --password-stdin to get a generated password"},
		{name: "bad role", args: []string{"klaas", "--role", "boss"},
			msg: `unknown role "boss": use member, moderator or admin`, try: "use member, moderator or admin"},
		{name: "bad email", args: []string{"klaas", "--email", "klaas"},
			msg: `email address "klaas" is not valid`, try: "give an address like naam@gemeente.nl, or leave out --email"},
		{name: "no name", args: nil, wantCode: 2,
			msg: "missing NAME", try: "kring user add NAME (see kring user add --help)"},
		{name: "two names", args: []string{"klaas", "piet"}, wantCode: 2,
			msg: `unexpected argument "piet"`, try: "kring user add NAME (see kring user add --help)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := kringWith(t, runOpts{stdin: tt.stdin}, append(append([]string{"user", "add"}, tt.args...), "--data", dir)...)
			code := tt.wantCode
			if code == 0 {
				code = 1
			}
			wantError(t, r, code, tt.msg, tt.try)
		})
	}
}

func TestUserManagement(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	ctx := context.Background()
	wantOK(t, kringWith(t, runOpts{stdin: "eerste wachtwoord\n"}, "user", "add", "jdevries", "--display-name", "Jan de Vries", "--password-stdin", "--data", dir))
	wantOK(t, kring(t, "user", "add", "piet", "--data", dir))
	db := openStorage(t, filepath.Join(dir, storage.FileName))

	t.Run("list", func(t *testing.T) {
		r := kring(t, "user", "list", "--data", dir)
		wantOK(t, r)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 3 {
			t.Fatalf("want a header and two rows:\n%s", r.stdout)
		}
		for i, want := range []string{
			`^USERNAME\s+DISPLAY NAME\s+ROLE\s+SUSPENDED\s+CREATED$`,
			`^jdevries\s+Jan de Vries\s+member\s+no\s+\d{4}-\d\d-\d\d \d\d:\d\d$`,
			`^piet\s+-\s+member\s+no\s+\d{4}-\d\d-\d\d \d\d:\d\d$`,
		} {
			if !regexp.MustCompile(want).MatchString(lines[i]) {
				t.Errorf("line %d = %q, want %s", i, lines[i], want)
			}
		}
	})
	t.Run("show", func(t *testing.T) {
		r := kring(t, "user", "show", "jdevries", "--data", dir)
		wantOK(t, r)
		for _, want := range []string{"Username:", "jdevries", "Display name:", "Jan de Vries", "Role:", "member", "Suspended:", "no"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("show does not say %q:\n%s", want, r.stdout)
			}
		}
		for _, secret := range []string{"argon2id", "PRIVATE KEY", "PUBLIC KEY"} {
			if strings.Contains(r.stdout, secret) {
				t.Errorf("show prints %q:\n%s", secret, r.stdout)
			}
		}
	})
	t.Run("suspend and unsuspend", func(t *testing.T) {
		wantOK(t, kring(t, "user", "suspend", "piet", "--data", dir))
		if m, err := db.MemberByUsername(ctx, "piet"); err != nil || !m.Suspended {
			t.Fatalf("after suspend: %v, %v", m, err)
		}
		r := kring(t, "user", "list", "--data", dir)
		if !regexp.MustCompile(`(?m)^piet\s+-\s+member\s+yes\s`).MatchString(r.stdout) {
			t.Errorf("list does not show piet suspended:\n%s", r.stdout)
		}
		wantOK(t, kring(t, "user", "unsuspend", "piet", "--data", dir))
		if m, err := db.MemberByUsername(ctx, "piet"); err != nil || m.Suspended {
			t.Fatalf("after unsuspend: %v, %v", m, err)
		}
	})
	t.Run("set role", func(t *testing.T) {
		wantOK(t, kring(t, "user", "set-role", "piet", "admin", "--data", dir))
		if m, err := db.MemberByUsername(ctx, "piet"); err != nil || m.Role != content.RoleAdmin {
			t.Fatalf("after set-role: %v, %v", m, err)
		}
		wantError(t, kring(t, "user", "set-role", "piet", "boss", "--data", dir), 1,
			`unknown role "boss": use member, moderator or admin`, "use member, moderator or admin")
		wantError(t, kring(t, "user", "set-role", "piet", "--data", dir), 2,
			"missing ROLE", "kring user set-role NAME ROLE (see kring user set-role --help)")
	})
	t.Run("reset password", func(t *testing.T) {
		m, err := db.MemberByUsername(ctx, "jdevries")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if err := db.CreateSession(ctx, content.Session{TokenHash: "token", MemberID: m.ID, CSRFToken: "csrf", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		r := kring(t, "user", "reset-password", "jdevries", "--data", dir)
		wantOK(t, r)
		password := printedPassword(t, r.stdout)
		m, err = db.MemberByUsername(ctx, "jdevries")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := content.CheckPassword(m.PasswordHash, "eerste wachtwoord"); ok {
			t.Error("the old password still verifies")
		}
		if ok, _ := content.CheckPassword(m.PasswordHash, password); !ok {
			t.Error("the printed password does not verify")
		}
		if _, _, err := db.SessionMember(ctx, "token"); content.KindOf(err) != content.KindNotFound {
			t.Errorf("session after reset: %v, want not found", err)
		}

		r = kringWith(t, runOpts{stdin: "tweede wachtwoord\r\n"}, "user", "reset-password", "jdevries", "--password-stdin", "--data", dir)
		wantOK(t, r)
		m, _ = db.MemberByUsername(ctx, "jdevries")
		if ok, _ := content.CheckPassword(m.PasswordHash, "tweede wachtwoord"); !ok {
			t.Error("the password from stdin does not verify")
		}
		wantErrorContains(t, kringWith(t, runOpts{stdin: "jdevries123\n"}, "user", "reset-password", "jdevries", "--password-stdin", "--data", dir),
			1, "password is too weak: it contains the username")
	})
	t.Run("unknown member", func(t *testing.T) {
		for _, args := range [][]string{
			{"show", "nobody"}, {"suspend", "nobody"}, {"unsuspend", "nobody"}, {"set-role", "nobody", "admin"}, {"reset-password", "nobody"},
		} {
			r := kring(t, append(append([]string{"user"}, args...), "--data", dir)...)
			wantErrorContains(t, r, 1, `"nobody"`, "Try: kring user list shows the members")
		}
	})
	t.Run("unknown subcommand", func(t *testing.T) {
		wantError(t, kring(t, "user", "frob", "--data", dir), 2, `unknown command "frob" for kring user`, "kring user --help")
	})
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	env := []string{"KRING_DATA=" + dir, "KRING_HOST=kring.example.nl", "KRING_NAME=Kring Env", "KRING_LOG_LEVEL=debug"}
	wantOK(t, kringWith(t, runOpts{env: env}, "init"))
	if _, err := os.Stat(filepath.Join(dir, storage.FileName)); err != nil {
		t.Fatalf("KRING_DATA not used: %v", err)
	}
	wantOK(t, kringWith(t, runOpts{env: append(env, "KRING_ROLE=moderator", "KRING_DISPLAY_NAME=Uit Env")}, "user", "add", "envuser"))
	r := kringWith(t, runOpts{env: env}, "user", "list")
	wantOK(t, r)
	if !regexp.MustCompile(`(?m)^envuser\s+Uit Env\s+moderator\s`).MatchString(r.stdout) {
		t.Errorf("list does not show envuser as set by the environment:\n%s", r.stdout)
	}
	// A flag beats its variable.
	other := filepath.Join(t.TempDir(), "other")
	wantError(t, kringWith(t, runOpts{env: env}, "user", "list", "--data", other), 1,
		"no Kring node in "+other+" ("+filepath.Join(other, "kring.db")+" not found)", "kring init --host HOST --data "+other)
	wantError(t, kringWith(t, runOpts{env: append(env, "KRING_LOG_FORMAT=xml")}, "user", "list"), 2,
		`unknown log format "xml": use text or json`, "kring user list --help")
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	r := kring(t, "migrate", "status", "--data", dir)
	wantOK(t, r)
	db := openStorage(t, filepath.Join(dir, storage.FileName))
	ms, err := db.Migrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		row := regexp.MustCompile(`(?m)^0*` + regexp.QuoteMeta(strconv.Itoa(m.Version)) + `\s+` + regexp.QuoteMeta(m.Name) + `\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
		if !row.MatchString(r.stdout) {
			t.Errorf("status does not show migration %d %s as applied:\n%s", m.Version, m.Name, r.stdout)
		}
	}
	latest := strconv.Itoa(storage.LatestVersion())
	if !strings.Contains(r.stdout, "Current version: "+latest) || !strings.Contains(r.stdout, "Latest version:  "+latest) || strings.Contains(r.stdout, "pending") {
		t.Errorf("status does not say all applied at version %s:\n%s", latest, r.stdout)
	}

	r = kring(t, "migrate", "up", "--data", dir)
	wantOK(t, r)
	if want := "Schema is up to date at version " + latest + ".\n"; r.stdout != want {
		t.Errorf("migrate up = %q, want %q", r.stdout, want)
	}
}

func TestMigratePending(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, storage.FileName)
	ctx := context.Background()
	// A node made by an older kring that knew only the first migration.
	db, err := storage.Open(ctx, path, storage.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The node row as version 1 knew it: today's InitNode writes columns
	// that later migrations add.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = raw.Exec(`INSERT INTO node (id, host, name, default_language, public_key_pem, private_key_pem, created_at, updated_at)
		VALUES (1, 'kring.test', 'Kring', 'nl', 'pub', 'priv', 0, 0)`)
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	latest := strconv.Itoa(storage.LatestVersion())

	r := kring(t, "migrate", "status", "--data", dir)
	wantOK(t, r)
	if !regexp.MustCompile(`(?m)^0002\s+sessions\s+pending$`).MatchString(r.stdout) || !strings.Contains(r.stdout, "Current version: 1\n") {
		t.Errorf("status does not show 0002 pending at version 1:\n%s", r.stdout)
	}
	wantError(t, kring(t, "user", "list", "--data", dir), 1,
		"the database in "+dir+" is at schema version 1; this kring needs version "+latest,
		"kring backup FILE --data "+dir+", then kring migrate up --data "+dir)

	r = kring(t, "migrate", "up", "--data", dir)
	wantOK(t, r)
	if want := "Applied migrations 2 to " + latest + "; schema is at version " + latest + ".\n"; r.stdout != want {
		t.Errorf("migrate up = %q, want %q", r.stdout, want)
	}
	wantOK(t, kring(t, "user", "list", "--data", dir))
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := kring(t, "version")
	wantOK(t, r)
	if want := "kring " + testVersion + " (" + runtime.Version() + ")\n"; r.stdout != want {
		t.Errorf("version = %q, want %q", r.stdout, want)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		msg, try string
	}{
		{[]string{"frob"}, `unknown command "frob"`, "kring --help"},
		{[]string{"version", "extra"}, `unexpected argument "extra"`, "kring version --help"},
		{[]string{"user", "list", "--bogus"}, "flag provided but not defined: -bogus", "kring user list --help"},
		{[]string{"user", "list", "--log-level", "loud"}, `unknown log level "loud": use debug, info, warn or error`, "kring user list --help"},
		{[]string{"backup"}, "missing FILE", "kring backup FILE (see kring backup --help)"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			wantError(t, kring(t, tt.args...), 2, tt.msg, tt.try)
		})
	}
	helps := []struct {
		args []string
		want []string
	}{
		{nil, []string{"init", "serve", "user", "backup", "migrate", "version"}},
		{[]string{"user", "add", "--help"}, []string{"--password-stdin", "$KRING_DATA", "$KRING_ROLE"}},
		{[]string{"help", "user"}, []string{"add", "reset-password", "set-role"}},
		{[]string{"serve", "-h"}, []string{"$KRING_LISTEN", "$KRING_INIT_HOST", "$KRING_DEV", "$KRING_HOST"}},
	}
	for _, tt := range helps {
		t.Run("help "+strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			r := kring(t, tt.args...)
			wantOK(t, r)
			for _, want := range tt.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("help does not mention %s:\n%s", want, r.stdout)
				}
			}
		})
	}
}
