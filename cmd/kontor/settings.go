package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/modules/calls"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/identity/ldapdir"
	"github.com/kontorhq/kontor/modules/platform/config"
	"github.com/kontorhq/kontor/modules/realtime"
)

// settings is every setting Kontor has. This file is the one place where
// flags, KONTOR_* variables and the config file map onto the modules'
// typed configurations; docs/configuration.md is generated from it.
type settings struct {
	set *config.Set

	ConfigFile      string
	Addr            string
	DataDir         string
	DatabaseURL     string
	DatabaseMaxConn int
	LogFormat       string
	LogLevel        string
	AdminPassword   string
	PublicURL       string
	CookieSecure    string
	TrustedProxies  string
	ShutdownTimeout time.Duration
	RateLimit       float64
	RateBurst       int
	MetricsToken    string
	HSTSMaxAge      time.Duration

	SessionTTL              time.Duration
	LoginMaxFailures        int
	LoginMaxFailuresUser    int
	LoginMaxFailuresAddress int
	LoginWindow             time.Duration
	APITokenTTL             time.Duration
	APITokenMaxTTL          time.Duration

	LDAP                 ldapdir.Config
	LDAPBindPasswordFile string
	LDAPAdminGroup       string
	LDAPComplianceGroup  string
	LDAPSyncInterval     time.Duration
	LDAPSyncProvision    bool

	JournalKeyFile     string
	CheckpointInterval time.Duration
	EventRetention     time.Duration
	NATSURL            string
	// ---- files (modules/files) ----
	FilesStore string
	FilesDir   string
	Files      files.Config
	S3         blob.S3Config
	// ---- calls (modules/calls) ----
	Calls         calls.Config
	CallsPublicIP string
}

func declareSettings(fs *pflag.FlagSet) *settings {
	s := &settings{set: config.New(fs)}
	c := s.set
	c.Group("Server")
	c.String(&s.ConfigFile, "config", "", "Path of an optional YAML file whose keys are these flag names.")
	c.String(&s.Addr, "addr", "127.0.0.1:8080", "Address to listen on. Use 0.0.0.0:8080 to serve other machines.")
	c.String(&s.DataDir, "data-dir", "./kontor-data", "Directory for the SQLite database, files, search index and keys.")
	c.String(&s.PublicURL, "public-url", "", "URL people use to reach Kontor, e.g. https://chat.example.com (for links; https turns on secure cookies).")
	c.String(&s.CookieSecure, "cookie-secure", "auto", "Secure flag on cookies: auto (on when public-url is https), true or false.")
	c.String(&s.TrustedProxies, "trusted-proxies", "", "Comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed.")
	c.Duration(&s.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "How long a shutdown waits for requests in flight.")
	c.Float64(&s.RateLimit, "rate-limit", 50, "API requests per second one person (or one address, before sign-in) may make on average; 0 turns the limit off.")
	c.Int(&s.RateBurst, "rate-limit-burst", 300, "How many API requests one person may make at once before rate-limit applies.")
	c.String(&s.MetricsToken, "metrics-token", "", "Bearer token that lets other machines read /metrics. Empty: only clients on this machine (loopback, not through a proxy) may.").Secret()
	c.Duration(&s.HSTSMaxAge, "hsts-max-age", 365*24*time.Hour, "Strict-Transport-Security max-age sent with answers to HTTPS requests (directly or from a trusted proxy saying X-Forwarded-Proto: https); 0 sends none.")
	c.String(&s.LogFormat, "log-format", "auto", "Log format: text, json, or auto (json unless stderr is a terminal).")
	c.String(&s.LogLevel, "log-level", "info", "Log level: debug, info, warn, error.")

	c.Group("Database")
	c.String(&s.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://user:pass@host/db). Empty: SQLite in the data dir.").Secret()
	c.Int(&s.DatabaseMaxConn, "database-max-conns", 20, "Most PostgreSQL connections per node.")

	c.Group("Accounts and sessions")
	c.String(&s.AdminPassword, "admin-password", "", "Password for the first admin (username admin), used only when the database is empty. Empty: one is made and printed once.").Secret()
	c.Duration(&s.SessionTTL, "session-ttl", 30*24*time.Hour, "How long a browser session lasts.")
	c.Int(&s.LoginMaxFailures, "login-max-failures", 5, "Failed sign-ins within login-window for one username from one address, and from one known device (a browser the person signed in from before), before sign-in answers 429 there.")
	c.Int(&s.LoginMaxFailuresUser, "login-max-failures-per-user", 0, "Failed sign-ins within login-window for one username from all unknown devices together before new devices must wait; known devices are not held back. 0: ten times login-max-failures.")
	c.Int(&s.LoginMaxFailuresAddress, "login-max-failures-per-address", 0, "Failed sign-ins within login-window from one address for all usernames together (an office behind NAT shares one) before new devices there must wait. 0: twenty times login-max-failures.")
	c.Duration(&s.LoginWindow, "login-window", 5*time.Minute, "Window for counting failed sign-ins.")
	c.Duration(&s.APITokenTTL, "api-token-ttl", 90*24*time.Hour, "How long a personal API token lasts when its owner does not say.")
	c.Duration(&s.APITokenMaxTTL, "api-token-max-ttl", 365*24*time.Hour, "The longest lifetime anyone may give a personal API token.")

	c.Group("LDAP / Active Directory")
	l := &s.LDAP
	c.String(&l.URL, "ldap-url", "", "Directory server: ldap://host:389 or ldaps://host:636. Empty: LDAP sign-in is off.")
	c.Bool(&l.StartTLS, "ldap-start-tls", false, "Upgrade ldap:// connections with StartTLS.")
	c.String(&l.CAFile, "ldap-ca-file", "", "PEM file with the CA that signed the directory's certificate (default: system CAs).")
	c.Bool(&l.InsecureSkipVerify, "ldap-insecure-skip-verify", false, "Do not verify the directory's certificate (testing only).")
	c.Duration(&l.Timeout, "ldap-timeout", 10*time.Second, "Timeout for connecting and for each directory request.")
	c.String(&l.BindDN, "ldap-bind-dn", "", "Service account DN used to search for people.")
	c.String(&l.BindPassword, "ldap-bind-password", "", "Service account password (prefer ldap-bind-password-file).").Secret()
	c.String(&s.LDAPBindPasswordFile, "ldap-bind-password-file", "", "File holding the service account password.")
	c.String(&l.UserBaseDN, "ldap-user-base-dn", "", "Where people are, e.g. ou=people,dc=example,dc=com.")
	c.String(&l.UserFilter, "ldap-user-filter", "(objectClass=inetOrgPerson)", "Which entries are people. Active Directory: (&(objectCategory=person)(objectClass=user)).")
	c.String(&l.DisabledFilter, "ldap-disabled-filter", "", "Entries matching this are disabled. Active Directory: (userAccountControl:1.2.840.113556.1.4.803:=2).")
	c.String(&l.AttrUsername, "ldap-attr-username", "uid", "Attribute people sign in with (Active Directory: sAMAccountName).")
	c.String(&l.AttrEmail, "ldap-attr-email", "mail", "E-mail attribute.")
	c.String(&l.AttrDisplayName, "ldap-attr-display-name", "displayName", "Display name attribute (falls back to cn).")
	c.String(&l.AttrDepartment, "ldap-attr-department", "departmentNumber", "Department attribute (Active Directory: department).")
	c.String(&l.AttrTitle, "ldap-attr-title", "title", "Job title attribute.")
	c.String(&l.AttrPhone, "ldap-attr-phone", "telephoneNumber", "Phone attribute.")
	c.String(&l.AttrAvatar, "ldap-attr-avatar", "jpegPhoto,thumbnailPhoto", "Picture attributes, first one present wins.")
	c.String(&l.GroupBaseDN, "ldap-group-base-dn", "", "Where groups are. Empty: roles are not taken from the directory.")
	c.String(&l.GroupFilter, "ldap-group-filter", "(objectClass=groupOfNames)", "Which entries are groups. Active Directory: (objectClass=group).")
	c.String(&l.GroupMemberAttr, "ldap-group-member-attr", "member", "Group attribute listing member DNs.")
	c.String(&s.LDAPAdminGroup, "ldap-admin-group", "", "Group (DN or cn) whose members are Kontor admins.")
	c.String(&s.LDAPComplianceGroup, "ldap-compliance-group", "", "Group (DN or cn) whose members are compliance officers.")
	c.Duration(&s.LDAPSyncInterval, "ldap-sync-interval", 15*time.Minute, "How often accounts are synced with the directory (0: never).")
	c.Bool(&s.LDAPSyncProvision, "ldap-sync-provision", true, "The sync creates accounts for everyone in the directory, so colleagues can find them before they first sign in.")

	c.Group("Cluster")
	c.String(&s.NATSURL, "nats-url", "", "NATS server(s) that connect the nodes of a cluster, e.g. nats://10.0.0.5:4222. Empty: a single node. Nodes of a cluster share database-url and journal-key-file.")

	c.Group("Messaging and the record")
	c.String(&s.JournalKeyFile, "journal-key-file", "", "Key that signs the journal's checkpoints. Empty: keys/journal.key in the data dir, made on first start. Cluster nodes must share one.")
	c.Duration(&s.CheckpointInterval, "journal-checkpoint-interval", time.Minute, "How often the journal's tree head is signed.")
	c.Duration(&s.EventRetention, "event-retention", 7*24*time.Hour, "How long clients can catch up on missed events after a disconnect; older cursors get a resync.")
	s.declareFiles()
	s.declareCalls()
	return s
}

// declareCalls declares the settings of calls and their media server.
func (s *settings) declareCalls() {
	c, k, d := s.set, &s.Calls, calls.DefaultConfig()
	c.Group("Calls")
	c.Bool(&k.Enabled, "calls-enabled", d.Enabled, "Audio, video and screen-sharing calls in channels and DMs.")
	c.String(&k.UDPAddr, "calls-udp-addr", d.UDPAddr, "The one UDP ip:port all call media uses (ICE over a UDP mux); open it in the firewall. Use 0.0.0.0:10000, or the server's own address, to serve other machines.")
	c.String(&k.TCPAddr, "calls-tcp-addr", d.TCPAddr, "ip:port for ICE over TCP, for networks that block UDP (slower under loss); empty turns it off.")
	c.String(&s.CallsPublicIP, "calls-public-ip", "", "Comma-separated public IP addresses of this server when it is behind a 1:1 NAT: clients are told these instead of the local address.")
	c.Int(&k.MaxParticipants, "calls-max-participants", d.MaxParticipants, "The most people in one call (2 to 1000).")
	c.Duration(&k.VanishTimeout, "calls-vanish-timeout", d.VanishTimeout, "A participant whose media stops (no packet, not even ICE keepalives) for this long is taken out of the call; a client that restarts ICE within it (a network change) stays in (1s to 10m).")
	c.String(&k.TURNAddr, "calls-turn-addr", d.TURNAddr, "UDP ip:port of the embedded TURN server, for clients that reach nothing but a relay; empty (the default) turns it off. Relays bind to this IP and reach only the call server; with calls-public-ip the first public address is announced.")
	c.Duration(&k.TURNCredentialTTL, "calls-turn-credential-ttl", d.TURNCredentialTTL, "How long the TURN credentials handed out when someone joins a call work for new relays (1m to 24h).")
	c.Duration(&k.MemberCheck, "calls-member-check", d.MemberCheck, "How often participants are checked against their channel's members; someone removed from a channel leaves its call within this time.")
	k.Heartbeat = d.Heartbeat
}

// declareFiles declares the settings of the files module and its store.
func (s *settings) declareFiles() {
	c, f, d := s.set, &s.Files, files.DefaultConfig()
	c.Group("Files")
	c.String(&s.FilesStore, "files-store", "local", "Where file contents are kept: local (a directory) or s3 (MinIO, Ceph, AWS; see the S3 settings).")
	c.String(&s.FilesDir, "files-dir", "", "Directory of the local store. Empty: files/ in the data dir.")
	c.Int64(&f.MaxUpload, "files-max-upload", d.MaxUpload, "Largest file in bytes (enforced while the upload streams in).")
	c.Int64(&f.UserQuota, "files-user-quota", d.UserQuota, "Bytes each user may store unless an admin sets their own quota; 0: unlimited.")
	c.Duration(&f.URLTTL, "files-url-ttl", d.URLTTL, "How long a presigned S3 download URL stays valid.")
	c.Bool(&f.S3Redirect, "files-s3-redirect", d.S3Redirect, "Send S3 downloads to a presigned URL on the S3 endpoint; false: Kontor streams them (for buckets browsers cannot reach).")
	c.Duration(&f.OrphanGrace, "files-orphan-grace", d.OrphanGrace, "How long an upload may take before the cleanup job removes what it left behind.")
	c.Int64(&f.MaxImagePixels, "files-max-image-pixels", d.MaxImagePixels, "Images with more pixels get no preview (protects against decompression bombs).")
	c.Int(&f.PreviewWorkers, "files-preview-workers", d.PreviewWorkers, "Previews one node makes at the same time.")
	c.Int64(&f.ImageMemory, "image-decode-memory", d.ImageMemory, "Bytes all image decoding (previews and profile pictures) may take at once; images waiting for it queue, an image needing more gets no preview. At least 32 MiB.")
	c.Duration(&f.UploadIdleTimeout, "files-upload-idle-timeout", d.UploadIdleTimeout, "An upload whose client sends nothing for this long is ended (422 upload_stalled) and nothing is stored.")

	c.Group("S3 file store")
	c.String(&s.S3.Endpoint, "s3-endpoint", "", "S3 endpoint as host:port, without scheme (e.g. minio.example.com:9000 or s3.eu-central-1.amazonaws.com).")
	c.String(&s.S3.Region, "s3-region", "us-east-1", "Bucket region.")
	c.String(&s.S3.Bucket, "s3-bucket", "kontor", "Bucket for file contents and previews.")
	c.String(&s.S3.AccessKey, "s3-access-key", "", "Access key id (or s3-access-key-file).")
	c.String(&s.S3.AccessKeyFile, "s3-access-key-file", "", "File holding the access key id.")
	c.String(&s.S3.SecretKey, "s3-secret-key", "", "Secret access key (prefer s3-secret-key-file).").Secret()
	c.String(&s.S3.SecretKeyFile, "s3-secret-key-file", "", "File holding the secret access key.")
	c.Bool(&s.S3.TLS, "s3-tls", true, "Use https to the endpoint.")
	c.String(&s.S3.CAFile, "s3-ca-file", "", "PEM file with the CA that signed the endpoint's certificate (default: system CAs).")
	c.Bool(&s.S3.PathStyle, "s3-path-style", false, "Always use path-style bucket URLs (MinIO, Ceph); false: virtual-host style where the endpoint is AWS or Google.")
	c.String(&s.S3.SSE, "s3-sse", "", "Server-side encryption: empty (none), sse-s3, or sse-kms:KEY-ID.")
	c.Bool(&s.S3.CreateBucket, "s3-create-bucket", true, "Create the bucket at start-up when it is missing (needs the permission).")
	c.Int64(&s.S3.PartSize, "s3-part-size", 16<<20, "Multipart part size in bytes (at least 5 MiB); each upload of unknown length holds one part in memory.")
}

// load fills the settings from env and file after flag parsing.
func (s *settings) load() error {
	file := s.ConfigFile
	if file == "" {
		file = os.Getenv("KONTOR_CONFIG")
	}
	if err := s.set.Load(file, os.Getenv); err != nil {
		return err
	}
	if s.LDAPBindPasswordFile != "" {
		b, err := os.ReadFile(s.LDAPBindPasswordFile)
		if err != nil {
			return fmt.Errorf("ldap-bind-password-file: %w", err)
		}
		s.LDAP.BindPassword = strings.TrimRight(string(b), "\r\n")
	}
	return nil
}

func (s *settings) cookieSecure() (bool, error) {
	switch s.CookieSecure {
	case "auto":
		return strings.HasPrefix(s.PublicURL, "https://"), nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("cookie-secure %q: want auto, true or false", s.CookieSecure)
}

func (s *settings) trustedProxies() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, c := range strings.Split(s.TrustedProxies, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if !strings.Contains(c, "/") {
			if strings.Contains(c, ":") {
				c += "/128"
			} else {
				c += "/32"
			}
		}
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			return nil, fmt.Errorf("trusted-proxies: %w", err)
		}
		out = append(out, n)
	}
	return out, nil
}

func (s *settings) identityConfig() (identity.Config, error) {
	secure, err := s.cookieSecure()
	if err != nil {
		return identity.Config{}, err
	}
	return identity.Config{
		SessionTTL:              s.SessionTTL,
		CookieSecure:            secure,
		LoginMaxFailures:        s.LoginMaxFailures,
		LoginMaxFailuresUser:    s.LoginMaxFailuresUser,
		LoginMaxFailuresAddress: s.LoginMaxFailuresAddress,
		LoginWindow:             s.LoginWindow,
		APITokenTTL:             s.APITokenTTL,
		APITokenMaxTTL:          s.APITokenMaxTTL,
		LDAPAdminGroup:          s.LDAPAdminGroup,
		LDAPComplianceGroup:     s.LDAPComplianceGroup,
		LDAPSyncInterval:        s.LDAPSyncInterval,
		LDAPSyncProvision:       s.LDAPSyncProvision,
	}, nil
}

// directory returns the LDAP client, or nil when LDAP is off.
func (s *settings) directory() (*ldapdir.Directory, error) {
	if s.LDAP.URL == "" {
		return nil, nil
	}
	return ldapdir.New(s.LDAP)
}

// appConfig maps the settings onto the modules' configurations.
func (s *settings) appConfig() (app.Config, error) {
	icfg, err := s.identityConfig()
	if err != nil {
		return app.Config{}, err
	}
	cfg := app.Config{
		DataDir:            s.DataDir,
		DatabaseURL:        s.DatabaseURL,
		DatabaseMaxConns:   s.DatabaseMaxConn,
		Identity:           icfg,
		Chat:               chat.DefaultConfig(),
		Realtime:           realtime.DefaultConfig(),
		JournalKeyFile:     s.JournalKeyFile,
		CheckpointInterval: s.CheckpointInterval,
		EventRetention:     s.EventRetention,
		NATSURL:            s.NATSURL,
		RateLimit:          s.RateLimit,
		RateBurst:          s.RateBurst,
		Files:              s.Files,
		FilesStore:         blob.Config{Kind: s.FilesStore, Dir: s.FilesDir, S3: s.S3},
	}
	if err := s.Files.Validate(); err != nil {
		return app.Config{}, err
	}
	cfg.Calls = s.Calls
	cfg.Calls.PublicIPs = nil
	for _, ip := range strings.Split(s.CallsPublicIP, ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			cfg.Calls.PublicIPs = append(cfg.Calls.PublicIPs, ip)
		}
	}
	if err := cfg.Calls.Validate(); err != nil {
		return app.Config{}, err
	}
	if u, err := url.Parse(s.PublicURL); err == nil && u.Host != "" {
		// Browsers on the public address may open the websocket.
		cfg.Realtime.OriginPattern = []string{u.Host}
	}
	if s.LDAP.URL != "" {
		l := s.LDAP
		cfg.LDAP = &l
	}
	return cfg, nil
}
