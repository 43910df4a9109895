package calls

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
)

// turnRealm is the realm of the embedded TURN server.
const turnRealm = "kontor"

// turnServer is the embedded TURN server: off unless calls-turn-addr is
// set. It relays only to the SFU's own media addresses (nobody can use
// it to reach anything else), and only for people in a call on this
// node, with credentials that expire.
type turnServer struct {
	srv    *turn.Server
	conn   net.PacketConn
	url    string
	secret []byte // random per start: credentials do not outlive the process
	ttl    time.Duration
}

// newTURN starts the TURN server. inCall reports whether userID is in
// call callID on this node; peers lists the addresses relays may reach.
func newTURN(cfg Config, lf logging.LoggerFactory, inCall func(callID, userID string) bool, peers []net.IP) (*turnServer, error) {
	conn, err := net.ListenPacket("udp", cfg.TURNAddr)
	if err != nil {
		return nil, fmt.Errorf("calls: listen for TURN on %s: %w", cfg.TURNAddr, err)
	}
	t := &turnServer{conn: conn, secret: make([]byte, 32), ttl: cfg.TURNCredentialTTL}
	if _, err := rand.Read(t.secret); err != nil {
		conn.Close()
		return nil, err
	}
	bindIP := conn.LocalAddr().(*net.UDPAddr).IP
	relayIP := bindIP
	if len(cfg.PublicIPs) > 0 {
		relayIP = net.ParseIP(cfg.PublicIPs[0])
	}
	t.url = "turn:" + net.JoinHostPort(relayIP.String(), strconv.Itoa(conn.LocalAddr().(*net.UDPAddr).Port)) + "?transport=udp"
	t.srv, err = turn.NewServer(turn.ServerConfig{
		Realm:         turnRealm,
		LoggerFactory: lf,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			callID, userID, ok := t.check(ra.Username, time.Now())
			if !ok || !inCall(callID, userID) {
				return "", nil, false
			}
			return userID, turn.GenerateAuthKey(ra.Username, turnRealm, t.password(ra.Username)), true
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: conn,
			// Relays are bound to the configured address, on a free port.
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: bindIP.String()},
			PermissionHandler: func(_ net.Addr, peer net.IP) bool {
				for _, ip := range peers {
					if ip.Equal(peer) {
						return true
					}
				}
				return false
			},
		}},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("calls: TURN server: %w", err)
	}
	return t, nil
}

// credential is the TURN user name and password for userID in callID,
// valid until expires (the TURN REST API scheme: the name carries the
// expiry, the password is an HMAC of the name).
func (t *turnServer) credential(callID, userID string, now time.Time) CallICEServer {
	exp := now.Add(t.ttl).Truncate(time.Second)
	name := strconv.FormatInt(exp.Unix(), 10) + ":" + callID + ":" + userID
	return CallICEServer{URLs: []string{t.url}, Username: name, Credential: t.password(name), ExpiresAt: exp.UTC()}
}

func (t *turnServer) password(name string) string {
	h := hmac.New(sha256.New, t.secret)
	h.Write([]byte(name))
	return base64.RawStdEncoding.EncodeToString(h.Sum(nil))
}

// check parses a user name and refuses an expired one. The password is
// checked by the TURN server's message integrity with the key derived
// from password(name).
func (t *turnServer) check(name string, now time.Time) (callID, userID string, ok bool) {
	parts := strings.Split(name, ":")
	if len(parts) != 3 {
		return "", "", false
	}
	exp, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || now.Unix() > exp {
		return "", "", false
	}
	return parts[1], parts[2], true
}

func (t *turnServer) close() {
	_ = t.srv.Close()
}
