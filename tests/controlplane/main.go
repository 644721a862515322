// Command kfctl-testcp runs a throw-away Kubernetes control plane for kfctl's
// cluster tests: embedded etcd + kube-apiserver (+ optionally an in-process
// kube-controller-manager and simulated nodes), all on 127.0.0.1.
//
// It writes DIR/kubeconfig (static bearer token in system:masters) and prints
// exactly one line on stdout:
//
//	READY {"kubeconfig": "...", "server": "https://127.0.0.1:PORT", "token": "..."}
//
// Everything else goes to stderr. It exits on SIGTERM/SIGINT or when stdin
// reaches EOF (so a dead test runner never leaves a server behind).
//
// See shared/reference/control-plane.md for the recipe this follows.
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/client-go/rest"
	basecompatibility "k8s.io/component-base/compatibility"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"
)

func init() {
	// The apiserver and the controller-manager share the process-wide
	// logging configuration; applying it twice must not fail.
	logsapi.ReapplyHandling = logsapi.ReapplyHandlingIgnoreUnchanged
}

type config struct {
	dir           string
	withKCM       bool
	kcmCtrls      []string
	nodes         int
	apiserverArgs []string
	timeout       time.Duration
	watchStdin    bool
	verbosity     int
}

func main() {
	cfg := config{}
	fs := pflag.NewFlagSet("kfctl-testcp", pflag.ContinueOnError)
	fs.StringVar(&cfg.dir, "dir", "", "directory holding etcd data, certs, tokens and the kubeconfig (required)")
	fs.BoolVar(&cfg.withKCM, "with-kcm", false, "also run kube-controller-manager in-process")
	fs.StringSliceVar(&cfg.kcmCtrls, "kcm-controllers", defaultControllers, "controllers to run with --with-kcm")
	fs.IntVar(&cfg.nodes, "nodes", 0, "number of simulated nodes (fake kubelet: binds pods and marks them Running)")
	fs.StringArrayVar(&cfg.apiserverArgs, "apiserver-arg", nil, "extra kube-apiserver flag, e.g. --apiserver-arg=--v=2 (repeatable)")
	fs.DurationVar(&cfg.timeout, "timeout", 90*time.Second, "how long to wait for the control plane to become ready")
	fs.BoolVar(&cfg.watchStdin, "watch-stdin", true, "exit when stdin reaches EOF")
	fs.IntVar(&cfg.verbosity, "v", 0, "klog verbosity for the apiserver")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if cfg.dir == "" {
		fmt.Fprintln(os.Stderr, "--dir is required")
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "kfctl-testcp: %v\n", err)
		klog.Flush()
		os.Exit(1)
	}
	klog.Flush()
}

// signalContext is cancelled on SIGTERM/SIGINT and (optionally) stdin EOF.
func signalContext(watchStdin bool) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-ch
		fmt.Fprintf(os.Stderr, "kfctl-testcp: got %v, shutting down\n", s)
		cancel()
		<-ch
		fmt.Fprintln(os.Stderr, "kfctl-testcp: second signal, exiting now")
		os.Exit(1)
	}()
	if watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			fmt.Fprintln(os.Stderr, "kfctl-testcp: stdin closed, shutting down (pass --watch-stdin=false to ignore stdin)")
			cancel()
		}()
	}
	return ctx, cancel
}

func run(cfg config) error {
	start := time.Now()
	ctx, cancel := signalContext(cfg.watchStdin)
	defer cancel()

	dir, err := filepath.Abs(cfg.dir)
	if err != nil {
		return err
	}
	for _, d := range []string{dir, filepath.Join(dir, "etcd"), filepath.Join(dir, "certs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return err
		}
	}

	// (b) service-account key and static admin token.
	saKey := filepath.Join(dir, "sa.key")
	if err := writeECKey(saKey); err != nil {
		return fmt.Errorf("writing SA key: %w", err)
	}
	token, err := randomHex(32)
	if err != nil {
		return err
	}
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+`,admin,admin-uid,"system:masters"`+"\n"), 0o600); err != nil {
		return err
	}

	deadline := time.Now().Add(cfg.timeout)

	// (c) embedded etcd.
	etcd, etcdURL, err := startEtcd(ctx, filepath.Join(dir, "etcd"), time.Until(deadline))
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	defer func() {
		etcd.Close()
		fmt.Fprintln(os.Stderr, "kfctl-testcp: etcd stopped")
	}()
	fmt.Fprintf(os.Stderr, "kfctl-testcp: etcd ready at %s after %v\n", etcdURL, time.Since(start).Round(time.Millisecond))

	// Create the KCM options before any flag parsing: both components share
	// the process-wide component globals registry and feature gate.
	var kcm *kcmRunner
	if cfg.withKCM {
		kcm, err = newKCM(cfg.kcmCtrls)
		if err != nil {
			return fmt.Errorf("kube-controller-manager options: %w", err)
		}
	}

	// (d) kube-apiserver.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	certDir := filepath.Join(dir, "certs")
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--cert-dir=" + certDir,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--advertise-address=127.0.0.1",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--disable-admission-plugins=ServiceAccount",
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saKey,
		"--service-account-signing-key-file=" + saKey,
		"--token-auth-file=" + tokens,
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		"--v=" + strconv.Itoa(cfg.verbosity),
	}
	args = append(args, cfg.apiserverArgs...)

	s := options.NewServerRunOptions()
	afs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, f := range s.Flags().FlagSets {
		afs.AddFlagSet(f)
	}
	if err := afs.Parse(args); err != nil {
		return fmt.Errorf("apiserver flags: %w", err)
	}
	s.SecureServing.Listener = ln
	s.SecureServing.BindPort = port
	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	fg := s.GenericServerRunOptions.ComponentGlobalsRegistry.FeatureGateFor(basecompatibility.DefaultKubeComponent)
	if err := logsapi.ValidateAndApply(s.Logs, fg); err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	completed, err := s.Complete(ctx)
	if err != nil {
		return fmt.Errorf("apiserver options: %w", err)
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return fmt.Errorf("apiserver options: %v", errs)
	}
	apiErr := make(chan error, 1)
	go func() { apiErr <- app.Run(ctx, completed) }()

	// (e) wait for readiness.
	server := "https://127.0.0.1:" + strconv.Itoa(port)
	caFile := filepath.Join(certDir, "apiserver.crt")
	if err := waitReady(ctx, server, caFile, token, deadline, apiErr); err != nil {
		cancel()
		waitErr(apiErr, 15*time.Second)
		return err
	}

	// (f) kubeconfig.
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, server, caFile, token); err != nil {
		return err
	}

	// (g) controller-manager and simulated nodes.
	kcmErr := make(chan error, 1)
	if kcm != nil {
		if err := kcm.configure(ctx, kubeconfig, caFile); err != nil {
			cancel()
			waitErr(apiErr, 15*time.Second)
			return fmt.Errorf("kube-controller-manager config: %w", err)
		}
		go func() { kcmErr <- kcm.run(ctx) }()
	}
	nodesDone := make(chan struct{})
	if cfg.nodes > 0 {
		go func() {
			defer close(nodesDone)
			if err := runFakeNodes(ctx, kubeconfig, cfg.nodes); err != nil && ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "kfctl-testcp: fake nodes: %v\n", err)
			}
		}()
	} else {
		close(nodesDone)
	}

	// (h) the READY line.
	ready, _ := json.Marshal(map[string]any{
		"kubeconfig": kubeconfig,
		"server":     server,
		"token":      token,
		"ca":         caFile,
		"dir":        dir,
		"kcm":        kcm != nil,
		"nodes":      cfg.nodes,
		"pid":        os.Getpid(),
		"startup_s":  time.Since(start).Seconds(),
	})
	fmt.Fprintf(os.Stderr, "kfctl-testcp: ready after %v\n", time.Since(start).Round(time.Millisecond))
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "READY %s\n", ready)
	w.Flush()

	// (i) run until cancelled or a component dies.
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-apiErr:
		runErr = fmt.Errorf("kube-apiserver exited: %v", err)
		apiErr <- err
	case err := <-kcmErr:
		runErr = fmt.Errorf("kube-controller-manager exited: %v", err)
	}
	cancel()
	waitErr(apiErr, 15*time.Second)
	if kcm != nil {
		waitErr(kcmErr, 5*time.Second)
	}
	select {
	case <-nodesDone:
	case <-time.After(2 * time.Second):
	}
	return runErr
}

func waitErr(ch chan error, d time.Duration) {
	select {
	case <-ch:
	case <-time.After(d):
		fmt.Fprintf(os.Stderr, "kfctl-testcp: component did not stop within %v\n", d)
	}
}

func startEtcd(ctx context.Context, dataDir string, timeout time.Duration) (*embed.Etcd, string, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		ports, err := freePorts(2)
		if err != nil {
			return nil, "", err
		}
		clientURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(ports[0])}
		peerURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(ports[1])}
		ec := embed.NewConfig()
		ec.Name = "kfctl-test"
		ec.Dir = dataDir
		ec.ListenClientUrls = []url.URL{clientURL}
		ec.AdvertiseClientUrls = []url.URL{clientURL}
		ec.ListenPeerUrls = []url.URL{peerURL}
		ec.AdvertisePeerUrls = []url.URL{peerURL}
		ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
		ec.UnsafeNoFsync = true
		ec.Logger = "zap"
		ec.LogLevel = "error"
		ec.LogOutputs = []string{"stderr"}
		ec.WatchProgressNotifyInterval = 5 * time.Second
		e, err := embed.StartEtcd(ec)
		if err != nil {
			lastErr = err
			if strings.Contains(err.Error(), "address already in use") {
				_ = os.RemoveAll(dataDir)
				_ = os.MkdirAll(dataDir, 0o700)
				continue
			}
			return nil, "", err
		}
		select {
		case <-e.Server.ReadyNotify():
			return e, clientURL.String(), nil
		case err := <-e.Err():
			e.Close()
			return nil, "", err
		case <-time.After(timeout):
			e.Server.Stop()
			e.Close()
			return nil, "", errors.New("etcd did not become ready in time")
		case <-ctx.Done():
			e.Close()
			return nil, "", ctx.Err()
		}
	}
	return nil, "", lastErr
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func waitReady(ctx context.Context, server, caFile, token string, deadline time.Time, apiErr chan error) error {
	var client *http.Client
	var last string
	for {
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready before timeout (last: %s)", last)
		}
		select {
		case err := <-apiErr:
			return fmt.Errorf("kube-apiserver exited during startup: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if client == nil {
			pemBytes, err := os.ReadFile(caFile)
			if err != nil {
				last = err.Error()
				continue
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pemBytes) {
				last = "bad CA file"
				continue
			}
			client = &http.Client{
				Timeout:   5 * time.Second,
				Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
			}
		}
		code, body, err := get(client, server+"/readyz", "")
		if err != nil {
			last = err.Error()
			continue
		}
		if code != http.StatusOK {
			last = fmt.Sprintf("/readyz %d: %s", code, lastLines(body, 4))
			continue
		}
		code, body, err = get(client, server+"/api/v1/namespaces/default", token)
		if err != nil {
			last = err.Error()
			continue
		}
		if code != http.StatusOK {
			last = fmt.Sprintf("namespace default: %d %s", code, body)
			continue
		}
		return nil
	}
}

func get(c *http.Client, u, token string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var bad []string
	for _, l := range lines {
		if strings.Contains(l, "[-]") {
			bad = append(bad, l)
		}
	}
	if len(bad) > 0 {
		lines = bad
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}

func writeECKey(path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func writeKubeconfig(path, server, caFile, token string) error {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kfctl-test
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: kfctl-test
  context:
    cluster: kfctl-test
    user: admin
    namespace: default
current-context: kfctl-test
`, q(server), q(caFile), q(token))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
