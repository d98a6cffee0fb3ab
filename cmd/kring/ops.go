package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
	"kring/web"
)

// minMetricsToken is the shortest metrics token serve accepts: the token
// guards a public endpoint.
const minMetricsToken = 16

// metricsFlags are serve's flags for Prometheus metrics.
func metricsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "metrics-listen", Usage: "serve /metrics on this address of its own, e.g. 127.0.0.1:9090",
			EnvVars: []string{"KRING_METRICS_LISTEN"}},
		&cli.StringFlag{Name: "metrics-token", Usage: "serve /metrics on the public listener too, to scrapers sending \"Authorization: Bearer TOKEN\"" +
			" (at least 16 characters; better set as KRING_METRICS_TOKEN than on the command line)",
			EnvVars: []string{"KRING_METRICS_TOKEN"}},
	}
}

// metricsConfigFrom reads the metrics flags.
func metricsConfigFrom(c *cli.Context) (listen, token string, err error) {
	listen, token = strings.TrimSpace(c.String("metrics-listen")), strings.TrimSpace(c.String("metrics-token"))
	if token != "" && len(token) < minMetricsToken {
		return "", "", &userError{msg: fmt.Sprintf("--metrics-token has %d characters; use at least %d", len(token), minMetricsToken),
			try: "KRING_METRICS_TOKEN=$(openssl rand -hex 32) kring serve ...", code: exitUsage}
	}
	return listen, token, nil
}

// listenMetrics opens the metrics listener, or none when addr is empty.
func listenMetrics(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, failure(fmt.Sprintf("stop whatever uses %s, or choose another address, e.g. --metrics-listen 127.0.0.1:9091", addr),
			"cannot listen on %s for metrics: %v", addr, unwrapOp(err))
	}
	return ln, nil
}

func closeListener(ln net.Listener) {
	if ln != nil {
		ln.Close()
	}
}

// metricsWhere says in the start-up log line where /metrics is served.
func metricsWhere(ln net.Listener, token string) string {
	var where []string
	if ln != nil {
		where = append(where, "http://"+ln.Addr().String()+"/metrics")
	}
	if token != "" {
		where = append(where, "public /metrics with bearer token")
	}
	if len(where) == 0 {
		return "off"
	}
	return strings.Join(where, ", ")
}

// runListeners serves the node on ln and, when metricsLn is set, the
// metrics on it, until ctx is done. Either failing stops both.
func runListeners(ctx context.Context, logger *slog.Logger, ln net.Listener, h http.Handler, metricsLn net.Listener, metrics http.Handler) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	serve := func(l net.Listener, h http.Handler) {
		err := web.Run(ctx, l, h, logger)
		cancel()
		errs <- err
	}
	running := 1
	go serve(ln, h)
	if metricsLn != nil {
		running++
		go serve(metricsLn, metrics)
	}
	var err error
	for range running {
		err = errors.Join(err, <-errs)
	}
	return err
}

// doctorConfig is what `kring doctor` needs.
type doctorConfig struct {
	commonConfig
	// Dev skips the checks that need the public host over HTTPS; so does
	// a node that `kring serve --dev` ran.
	Dev     bool
	Resolve map[string]string
}

func doctorCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check the data folder, the database, the keys, the clock and the public host",
		Description: "Prints one OK, FAIL or SKIP line per check and, under each FAIL, what to fix.\n" +
			"Exits 1 when any check fails. Safe while kring serve runs: it only reads.",
		Flags: append(commonFlags(),
			&cli.BoolFlag{Name: "dev", Usage: "development node: skip the checks over HTTPS (clock, public host)", EnvVars: []string{"KRING_DEV"}},
			resolveFlag(),
		),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			resolve, err := parseResolve(c.StringSlice("resolve"))
			if err != nil {
				return err
			}
			return runDoctor(c.Context, doctorConfig{commonConfig: common, Dev: c.Bool("dev"), Resolve: resolve}, s)
		},
	}
}

// check is the verdict of one of doctor's checks.
type check struct {
	name   string
	state  checkState
	detail string
	fix    string // for FAIL: what to do about it
}

type checkState string

const (
	checkOK   checkState = "OK"
	checkFail checkState = "FAIL"
	checkSkip checkState = "SKIP"
)

func passCheck(name, detail string) check { return check{name: name, state: checkOK, detail: detail} }
func skipCheck(name, detail string) check { return check{name: name, state: checkSkip, detail: detail} }
func failCheck(name, detail, fix string) check {
	return check{name: name, state: checkFail, detail: detail, fix: fix}
}

// Doctor's limits.
const (
	maxClockSkew      = time.Minute // Date headers have whole seconds; a minute is plainly wrong
	minCertValidity   = 7 * 24 * time.Hour
	publicHostTimeout = 10 * time.Second
)

// runDoctor runs every check, prints them and fails when any failed.
func runDoctor(ctx context.Context, cfg doctorConfig, s streams) error {
	checks := doctorChecks(ctx, cfg)
	nFailed := 0
	for _, c := range checks {
		fmt.Fprintf(s.out, "%-4s  %s: %s\n", c.state, c.name, c.detail)
		if c.state == checkFail {
			nFailed++
			fmt.Fprintf(s.out, "      fix: %s\n", c.fix)
		}
	}
	if nFailed > 0 {
		return failure("fix what the FAIL lines say, then run kring doctor again", "%d of %d checks failed", nFailed, len(checks))
	}
	fmt.Fprintf(s.out, "All checks passed.\n")
	return nil
}

// doctorChecks runs the checks in order; one that cannot run because an
// earlier one failed is skipped with the reason.
func doctorChecks(ctx context.Context, cfg doctorConfig) []check {
	names := []string{"data folder", "file permissions", "database", "migrations", "keys", "public host", "clock"}
	var out []check
	rest := func(why string) []check {
		for _, n := range names[len(out):] {
			out = append(out, skipCheck(n, why))
		}
		return out
	}
	dir, exists := checkDataDir(cfg.DataDir)
	out = append(out, dir)
	if !exists {
		return rest("no data folder to check")
	}
	out = append(out, checkFilePerms(cfg.DataDir))

	db, dbCheck := checkDatabase(ctx, cfg.dbPath())
	out = append(out, dbCheck)
	if db == nil {
		return rest("the database check failed")
	}
	defer db.Close()
	out = append(out, checkMigrations(ctx, db, cfg.DataDir))
	node, err := db.Node(ctx)
	if err != nil {
		out = append(out, failCheck("keys", "no node settings: "+err.Error(), "kring init --host HOST --data "+cfg.DataDir))
		return rest("no node settings")
	}
	out = append(out, checkKeys(ctx, db, node))

	if cfg.Dev || node.Dev() {
		return rest("development node (--dev): no public host over HTTPS")
	}
	client := doctorClient(cfg.Resolve)
	host, clock := checkPublicHost(ctx, client, "https://"+node.Host, time.Now)
	return append(out, host, clock)
}

// checkDataDir: the folder exists, only its owner may enter it, and the
// owner is whoever runs kring (serve, as the same user, must write there).
// exists is false when there is no folder to check further.
func checkDataDir(dir string) (c check, exists bool) {
	const name = "data folder"
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return failCheck(name, dir+" does not exist", "kring init --host HOST --data "+dir+", or point --data (KRING_DATA) at the node's folder"), false
	case err != nil:
		return failCheck(name, err.Error(), "check that you may read "+dir), false
	case !fi.IsDir():
		return failCheck(name, dir+" is not a folder", "point --data (KRING_DATA) at the node's folder"), false
	}
	if problems := dataDirProblems(dir, fi); len(problems) > 0 {
		return failCheck(name, problems[0].String(), problems[0].Fix), true
	}
	return passCheck(name, dir+" (mode 0700, owned by you)"), true
}

// checkFilePerms: the database (with its WAL) and the media folder are the
// owner's alone (perms.go, which serve checks at start too).
func checkFilePerms(dir string) check {
	const name = "file permissions"
	problems := dataFileProblems(dir)
	if len(problems) == 0 {
		return passCheck(name, storage.FileName+" and "+storage.MediaFolder+"/ are yours alone")
	}
	var bad, fix []string
	for _, p := range problems {
		bad = append(bad, p.String())
		fix = append(fix, p.Fix)
	}
	return failCheck(name, strings.Join(bad, "; "), strings.Join(fix, "; "))
}

// checkDatabase opens the database as serve would and runs SQLite's
// integrity check. The returned DB is nil when the check failed.
func checkDatabase(ctx context.Context, path string) (*storage.DB, check) {
	const name = "database"
	db, err := storage.Open(ctx, path, storage.Options{})
	switch {
	case errors.Is(err, storage.ErrNotInitialised):
		return nil, failCheck(name, path+" not found", "kring init --host HOST --data "+filepath.Dir(path))
	case errors.Is(err, storage.ErrNewerSchema):
		return nil, failCheck(name, err.Error(), "run the newer kring binary, or restore a backup made before the upgrade")
	case err != nil:
		return nil, failCheck(name, "does not open: "+err.Error(), "restore the latest backup into a new folder: kring restore FILE --data NEWDIR")
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		db.Close()
		return nil, failCheck(name, err.Error(), "stop kring serve, then restore the latest backup into a new folder: kring restore FILE --data NEWDIR")
	}
	return db, passCheck(name, path+" opens, integrity ok")
}

// checkMigrations: the schema is the one this binary writes.
func checkMigrations(ctx context.Context, db *storage.DB, dir string) check {
	const name = "migrations"
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return failCheck(name, err.Error(), "check the database with the database check above")
	}
	if latest := storage.LatestVersion(); v < latest {
		return failCheck(name, fmt.Sprintf("schema version %d; this kring needs %d", v, latest),
			fmt.Sprintf("kring backup FILE --data %s, then kring migrate up --data %s (kring serve also migrates when it starts)", dir, dir))
	}
	return passCheck(name, fmt.Sprintf("all %d applied", v))
}

// checkKeys: every key pair the node signs with parses, and its private
// half matches the public half that peers have fetched.
func checkKeys(ctx context.Context, db *storage.DB, node *content.Node) check {
	const name = "keys"
	type pair struct{ who, public, private string }
	pairs := []pair{{"instance actor " + node.Host, node.PublicKeyPEM, node.PrivateKeyPEM}}
	if node.OrgUsername != "" {
		pairs = append(pairs, pair{"organisation " + node.OrgUsername, node.OrgPublicKeyPEM, node.OrgPrivateKeyPEM})
	}
	members, err := db.ListMembers(ctx)
	if err != nil {
		return failCheck(name, err.Error(), "check the database with the database check above")
	}
	for _, m := range members {
		pairs = append(pairs, pair{"member " + m.Username, m.PublicKeyPEM, m.PrivateKeyPEM})
	}
	forums, err := db.ListForums(ctx)
	if err != nil {
		return failCheck(name, err.Error(), "check the database with the database check above")
	}
	for _, f := range forums {
		pairs = append(pairs, pair{"forum " + f.Name, f.PublicKeyPEM, f.PrivateKeyPEM})
	}
	var bad []string
	for _, p := range pairs {
		if why := keyPairProblem(p.public, p.private); why != "" {
			bad = append(bad, p.who+": "+why)
		}
	}
	if len(bad) > 0 {
		return failCheck(name, strings.Join(bad, "; "),
			"restore the node from a backup made before the damage (kring restore FILE --data NEWDIR), "+
				"or give the actor a new key pair with kring keys rotate --actor NAME (peers learn it from the Update it sends)")
	}
	return passCheck(name, fmt.Sprintf("%d key pairs parse and match", len(pairs)))
}

// keyPairProblem says why a key pair is unusable, or "".
func keyPairProblem(publicPEM, privatePEM string) string {
	priv, err := content.ParsePrivateKey(privatePEM)
	if err != nil {
		return "private key does not parse (" + err.Error() + ")"
	}
	if err := priv.Validate(); err != nil {
		return "private key is invalid (" + err.Error() + ")"
	}
	pub, err := federation.ParsePublicKeyPEM(publicPEM)
	if err != nil {
		return "public key does not parse (" + err.Error() + ")"
	}
	if !priv.PublicKey.Equal(pub) {
		return "private key does not match the public key peers know"
	}
	return ""
}

// doctorClient reaches the public host, through --resolve's addresses
// when given (tests).
func doctorClient(resolve map[string]string) *http.Client {
	dialer := &net.Dialer{Timeout: publicHostTimeout}
	proxy := http.ProxyFromEnvironment
	if len(resolve) > 0 {
		proxy = nil // straight to the given addresses
	}
	transport := &http.Transport{
		Proxy:               proxy,
		TLSHandshakeTimeout: publicHostTimeout,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, found := resolve[strings.ToLower(addr)]; found {
				addr = to
			} else if host, _, err := net.SplitHostPort(addr); err == nil {
				if to, found := resolve[strings.ToLower(host)]; found {
					addr = to
				}
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Transport: transport, Timeout: publicHostTimeout}
}

// checkPublicHost asks base + "/healthz" with HEAD: the host answers over
// HTTPS with a certificate that is valid for a while yet; its Date then
// tells whether the two clocks agree (signatures older than an hour, or
// ahead of the peer's clock, are refused on the fediverse).
func checkPublicHost(ctx context.Context, client *http.Client, base string, now func() time.Time) (host, clock check) {
	const hostName, clockName = "public host", "clock"
	url := base + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return failCheck(hostName, err.Error(), "check the node's host"), skipCheck(clockName, "no public host to compare with")
	}
	sent := now()
	resp, err := client.Do(req)
	if err != nil {
		return failCheck(hostName, "cannot reach "+url+": "+err.Error(),
				"check DNS, the firewall (port 443) and the reverse proxy that forwards to kring serve; on a development node use --dev"),
			skipCheck(clockName, "the public host did not answer")
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	received := now()
	if resp.StatusCode != http.StatusOK {
		host = failCheck(hostName, fmt.Sprintf("%s answered %s", url, resp.Status), "check that the reverse proxy forwards to kring serve and that kring serve runs")
	} else {
		host = passCheck(hostName, url+" answers 200"+certNote(resp.TLS, received))
		if c := expiringCert(resp.TLS, received); c != "" {
			host = failCheck(hostName, c, "renew the certificate (certbot renew, or the reverse proxy's ACME settings)")
		}
	}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return host, skipCheck(clockName, url+" sent no Date header")
	}
	// Compare with the moment halfway through the round trip.
	mid := sent.Add(received.Sub(sent) / 2)
	skew := mid.Sub(date).Round(time.Second)
	if skew > maxClockSkew || skew < -maxClockSkew {
		return host, failCheck(clockName, fmt.Sprintf("this machine's clock is %s off from %s's", skew, req.URL.Host),
			"turn on time synchronisation on both machines (timedatectl set-ntp true)")
	}
	return host, passCheck(clockName, fmt.Sprintf("within %s of %s's", maxClockSkew, req.URL.Host))
}

func certNote(cs *tls.ConnectionState, now time.Time) string {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return ""
	}
	return fmt.Sprintf(", certificate valid until %s", cs.PeerCertificates[0].NotAfter.UTC().Format(time.DateOnly))
}

func expiringCert(cs *tls.ConnectionState, now time.Time) string {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return ""
	}
	if left := cs.PeerCertificates[0].NotAfter.Sub(now); left < minCertValidity {
		return fmt.Sprintf("the certificate expires on %s", cs.PeerCertificates[0].NotAfter.UTC().Format(time.DateOnly))
	}
	return ""
}
