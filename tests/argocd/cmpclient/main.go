// Command cmpclient talks to an argocd-cmp-server the way Argo CD's repo-server does, using Argo CD's own
// code for every step that matters: plugin discovery over the sockets folder
// (util/app/discovery.DetectConfigManagementPlugin, which runs MatchRepository when the plugin is not
// named), the repository streamed as a tar.gz (util/cmp.SendRepoStream), the generated cmp gRPC client,
// and the split of the returned manifests into objects (gitops-engine kube.SplitYAML).
//
// It reads one JSON request on stdin and prints one JSON response on stdout. A request names an
// operation and carries an Argo CD Application (decoded with Argo CD's own types, unknown fields refused);
// the environment the plugin sees is built from the Application as the repo-server builds it.
//
//	{"op": "generate" | "parameters" | "match" | "decode",
//	 "socketDir": "...", "repoPath": "...", "revision": "<commit sha>",
//	 "kubeVersion": "1.34", "apiVersions": ["v1", ...],
//	 "application": {...},          // generate, parameters, match
//	 "yaml": "...",                 // decode: Applications / ApplicationSets to decode strictly
//	 "clusters": [{"name", "server", "labels"}]}  // decode: the clusters registered in Argo CD
//
// A failure of the plugin is part of the response ({"error": "..."}, exit 0): the tests assert on it.
// A malformed request exits 2.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/argoproj/gitops-engine/pkg/utils/kube"
	grpc_retry "github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/retry"
	"google.golang.org/protobuf/types/known/emptypb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	asutils "github.com/argoproj/argo-cd/v3/applicationset/utils"
	pluginclient "github.com/argoproj/argo-cd/v3/cmpserver/apiclient"
	"github.com/argoproj/argo-cd/v3/common"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/util/app/discovery"
	"github.com/argoproj/argo-cd/v3/util/cmp"
	utilio "github.com/argoproj/argo-cd/v3/util/io"
)

type request struct {
	Op          string          `json:"op"`
	SocketDir   string          `json:"socketDir"`
	RepoPath    string          `json:"repoPath"`
	Revision    string          `json:"revision"`
	KubeVersion string          `json:"kubeVersion"`
	APIVersions []string        `json:"apiVersions"`
	Application json.RawMessage `json:"application"`
	YAML        string          `json:"yaml"`
	Clusters    []cluster       `json:"clusters"`
}

// cluster is a cluster registered in Argo CD (a cluster secret): its name, server and labels.
type cluster struct {
	Name   string            `json:"name"`
	Server string            `json:"server"`
	Labels map[string]string `json:"labels"`
}

type response struct {
	Error string `json:"error,omitempty"`
	// generate
	Manifests []string         `json:"manifests,omitempty"`
	Objects   []map[string]any `json:"objects,omitempty"`
	// parameters
	Announcements json.RawMessage `json:"announcements,omitempty"`
	// match
	DiscoveryConfigured bool `json:"discoveryConfigured,omitempty"`
	Supported           bool `json:"supported,omitempty"`
	DiscoveryEnabled    bool `json:"discoveryEnabled,omitempty"`
	Detected            bool `json:"detected,omitempty"`
	// decode
	Decoded []decoded `json:"decoded,omitempty"`
	// the plugin environment that was sent (every op that sends one)
	Env []string `json:"env,omitempty"`
}

type decoded struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// For an ApplicationSet: the Applications it makes (see expand).
	Applications []*v1alpha1.Application `json:"applications,omitempty"`
}

func main() {
	var req request
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "cmpclient: bad request: %v\n", err)
		os.Exit(2)
	}
	if req.SocketDir != "" {
		// DetectConfigManagementPlugin finds the plugin sockets where the repo-server would.
		os.Setenv(common.EnvPluginSockFilePath, req.SocketDir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	resp, err := run(ctx, &req)
	if err != nil {
		resp = &response{Error: err.Error()}
	}
	out, err := json.Marshal(resp)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cmpclient: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(append(out, '\n'))
}

func run(ctx context.Context, req *request) (*response, error) {
	if req.Op == "decode" {
		return decode(req.YAML, req.Clusters)
	}
	var app v1alpha1.Application
	if err := yaml.UnmarshalStrict(req.Application, &app); err != nil {
		return nil, fmt.Errorf("application: %w", err)
	}
	src := app.Spec.GetSource()
	appPath := filepath.Join(req.RepoPath, src.Path)
	switch req.Op {
	case "generate":
		env, err := manifestEnv(req, &app)
		if err != nil {
			return nil, err
		}
		return generate(ctx, req, appPath, pluginName(&src), env)
	case "parameters":
		env, err := parametersEnv(req, &app)
		if err != nil {
			return nil, err
		}
		return parameters(ctx, req, appPath, pluginName(&src), env)
	case "match":
		env, err := manifestEnv(req, &app)
		if err != nil {
			return nil, err
		}
		return match(ctx, req, appPath, pluginName(&src), env)
	}
	fmt.Fprintf(os.Stderr, "cmpclient: unknown op %q\n", req.Op)
	os.Exit(2)
	return nil, nil
}

func pluginName(src *v1alpha1.ApplicationSource) string {
	if src.Plugin == nil {
		return ""
	}
	return src.Plugin.Name
}

// manifestEnv is the environment of a GenerateManifest call, as reposerver/repository builds it
// (newEnv + getPluginEnvs): the ARGOCD_APP_* build environment, KUBE_VERSION, KUBE_API_VERSIONS, then
// the Application's plugin env as ARGOCD_ENV_* (with $VAR substituted from the build environment) and
// its parameters (ARGOCD_APP_PARAMETERS and PARAM_*).
func manifestEnv(req *request, app *v1alpha1.Application) ([]string, error) {
	src := app.Spec.GetSource()
	short := func(n int) string {
		if len(req.Revision) > n {
			return req.Revision[:n]
		}
		return req.Revision
	}
	build := v1alpha1.Env{
		{Name: "ARGOCD_APP_NAME", Value: app.Name},
		{Name: "ARGOCD_APP_NAMESPACE", Value: app.Spec.Destination.Namespace},
		{Name: "ARGOCD_APP_PROJECT_NAME", Value: app.Spec.Project},
		{Name: "ARGOCD_APP_REVISION", Value: req.Revision},
		{Name: "ARGOCD_APP_REVISION_SHORT", Value: short(7)},
		{Name: "ARGOCD_APP_REVISION_SHORT_8", Value: short(8)},
		{Name: "ARGOCD_APP_SOURCE_REPO_URL", Value: src.RepoURL},
		{Name: "ARGOCD_APP_SOURCE_PATH", Value: src.Path},
		{Name: "ARGOCD_APP_SOURCE_TARGET_REVISION", Value: src.TargetRevision},
	}
	env := build.Environ()
	env = append(env, "KUBE_VERSION="+req.KubeVersion, "KUBE_API_VERSIONS="+strings.Join(req.APIVersions, ","))
	return pluginEnv(env, src.Plugin)
}

// parametersEnv is the environment of a GetParametersAnnouncement call (populatePluginAppDetails).
func parametersEnv(_ *request, app *v1alpha1.Application) ([]string, error) {
	src := app.Spec.GetSource()
	env := []string{
		"ARGOCD_APP_NAME=" + app.Name,
		"ARGOCD_APP_SOURCE_REPO_URL=" + src.RepoURL,
		"ARGOCD_APP_SOURCE_PATH=" + src.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION=" + src.TargetRevision,
	}
	return pluginEnv(env, src.Plugin)
}

func pluginEnv(env []string, plugin *v1alpha1.ApplicationSourcePlugin) ([]string, error) {
	parsed := make(v1alpha1.Env, len(env))
	for i, v := range env {
		e, err := v1alpha1.NewEnvEntry(v)
		if err != nil {
			return nil, err
		}
		parsed[i] = e
	}
	if plugin == nil {
		return env, nil
	}
	for _, entry := range plugin.Env {
		env = append(env, fmt.Sprintf("ARGOCD_ENV_%s=%s", entry.Name, parsed.Envsubst(entry.Value)))
	}
	paramEnv, err := plugin.Parameters.Environ()
	if err != nil {
		return nil, err
	}
	return append(env, paramEnv...), nil
}

// repoStream is a client stream the repository is sent on (GenerateManifest, GetParametersAnnouncement).
type repoStream interface {
	cmp.StreamSender
	Context() context.Context
}

// sendRepo finds the plugin as the repo-server does, opens a stream with open and sends the repository
// on it. A plugin that cannot be found is a response error (msg), not a failure of the client.
func sendRepo[S repoStream](ctx context.Context, req *request, appPath, plugin string, env []string,
	open func(pluginclient.ConfigManagementPluginServiceClient) (S, error),
) (stream S, closer utilio.Closer, msg string, err error) {
	conn, client, err := discovery.DetectConfigManagementPlugin(ctx, appPath, req.RepoPath, plugin, env, nil)
	if err != nil {
		return stream, nil, err.Error(), nil
	}
	stream, err = open(client)
	if err == nil {
		err = cmp.SendRepoStream(stream.Context(), appPath, req.RepoPath, stream, env, nil)
	}
	if err != nil {
		utilio.Close(conn)
		return stream, nil, "", fmt.Errorf("error sending file to cmp-server: %w", err)
	}
	return stream, conn, "", nil
}

func generate(ctx context.Context, req *request, appPath, plugin string, env []string) (*response, error) {
	stream, conn, msg, err := sendRepo(ctx, req, appPath, plugin, env,
		func(c pluginclient.ConfigManagementPluginServiceClient) (pluginclient.ConfigManagementPluginService_GenerateManifestClient, error) {
			return c.GenerateManifest(ctx, grpc_retry.Disable())
		})
	if err != nil || msg != "" {
		return &response{Error: msg, Env: env}, err
	}
	defer utilio.Close(conn)
	res, err := stream.CloseAndRecv()
	if err != nil {
		// What the repo-server reports as the Application's ComparisonError.
		return &response{Error: fmt.Sprintf("error generating manifests in cmp: %v", err), Env: env}, nil
	}
	out := &response{Manifests: res.Manifests, Objects: []map[string]any{}, Env: env}
	for _, m := range res.Manifests {
		objs, err := kube.SplitYAML([]byte(m))
		if err != nil {
			return &response{Error: "failed to convert CMP manifests to unstructured objects: " + err.Error(), Env: env}, nil
		}
		for _, o := range objs {
			out.Objects = append(out.Objects, o.Object)
		}
	}
	return out, nil
}

func parameters(ctx context.Context, req *request, appPath, plugin string, env []string) (*response, error) {
	stream, conn, msg, err := sendRepo(ctx, req, appPath, plugin, env,
		func(c pluginclient.ConfigManagementPluginServiceClient) (pluginclient.ConfigManagementPluginService_GetParametersAnnouncementClient, error) {
			return c.GetParametersAnnouncement(ctx, grpc_retry.Disable())
		})
	if err != nil || msg != "" {
		return &response{Error: msg, Env: env}, err
	}
	defer utilio.Close(conn)
	res, err := stream.CloseAndRecv()
	if err != nil {
		return &response{Error: fmt.Sprintf("failed to get parameter announcement: %v", err), Env: env}, nil
	}
	raw, err := json.Marshal(res.ParameterAnnouncements)
	if err != nil {
		return nil, err
	}
	return &response{Announcements: raw, Env: env}, nil
}

// match asks the one plugin socket directly (CheckPluginConfiguration, then MatchRepository with the
// repository streamed), and also runs the repo-server's discovery over the sockets folder.
func match(ctx context.Context, req *request, appPath, plugin string, env []string) (*response, error) {
	name := plugin
	if name == "" {
		name = "kfctl"
	}
	conn, client, err := pluginclient.NewConfigManagementPluginClientSet(filepath.Join(req.SocketDir, name+".sock")).NewConfigManagementPluginClient()
	if err != nil {
		return nil, err
	}
	defer utilio.Close(conn)
	cfg, err := client.CheckPluginConfiguration(ctx, &emptypb.Empty{})
	if err != nil {
		return nil, err
	}
	out := &response{DiscoveryConfigured: cfg.IsDiscoveryConfigured, Env: env}
	stream, err := client.MatchRepository(ctx, grpc_retry.Disable())
	if err != nil {
		return nil, err
	}
	if err := cmp.SendRepoStream(ctx, appPath, req.RepoPath, stream, env, nil); err != nil {
		return nil, err
	}
	res, err := stream.CloseAndRecv()
	if err != nil {
		return &response{Error: err.Error(), Env: env}, nil
	}
	out.Supported, out.DiscoveryEnabled = res.GetIsSupported(), res.GetIsDiscoveryEnabled()
	dconn, _, err := discovery.DetectConfigManagementPlugin(ctx, appPath, req.RepoPath, plugin, env, nil)
	if err == nil {
		out.Detected = true
		utilio.Close(dconn)
	}
	return out, nil
}

// decode reads Applications and ApplicationSets with Argo CD's own types, refusing unknown fields, and
// expands each ApplicationSet into its Applications.
func decode(text string, clusters []cluster) (*response, error) {
	out := &response{Decoded: []decoded{}}
	for i, doc := range strings.Split(text, "\n---") {
		if strings.TrimSpace(strings.TrimPrefix(doc, "---")) == "" {
			continue
		}
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		switch meta.Kind {
		case "Application":
			var app v1alpha1.Application
			if err := yaml.UnmarshalStrict([]byte(doc), &app); err != nil {
				return nil, fmt.Errorf("document %d (Application): %w", i+1, err)
			}
			out.Decoded = append(out.Decoded, decoded{Kind: meta.Kind, Name: app.Name})
		case "ApplicationSet":
			var set v1alpha1.ApplicationSet
			if err := yaml.UnmarshalStrict([]byte(doc), &set); err != nil {
				return nil, fmt.Errorf("document %d (ApplicationSet): %w", i+1, err)
			}
			apps, err := expand(&set, clusters)
			if err != nil {
				return nil, fmt.Errorf("document %d (ApplicationSet %s): %w", i+1, set.Name, err)
			}
			out.Decoded = append(out.Decoded, decoded{Kind: meta.Kind, Name: set.Name, Applications: apps})
		default:
			return nil, fmt.Errorf("document %d: kind %q is neither Application nor ApplicationSet", i+1, meta.Kind)
		}
	}
	return out, nil
}

// expand makes the Applications of an ApplicationSet: list generators, and a matrix of a list and a
// cluster generator. Parameters are made as Argo CD's generators make them (applicationset/generators:
// list.go, cluster.go getClusterParameters, matrix.go: the cluster's params, overridden by the list
// element's); the cluster generator's selector is templated with Argo CD's renderer and matched with the
// Kubernetes label selector code against the clusters of the request (Argo CD's cluster secrets).
func expand(set *v1alpha1.ApplicationSet, clusters []cluster) ([]*v1alpha1.Application, error) {
	if !set.Spec.GoTemplate {
		return nil, fmt.Errorf("only goTemplate ApplicationSets are expanded here")
	}
	render := asutils.Render{}
	var apps []*v1alpha1.Application
	for i, gen := range set.Spec.Generators {
		var params []map[string]any
		var err error
		switch {
		case gen.List != nil:
			params, err = listParams(gen.List)
		case gen.Matrix != nil:
			params, err = matrixParams(&render, set, gen.Matrix, clusters)
		default:
			err = fmt.Errorf("generator %d: only list and matrix(list, clusters) generators are expanded here", i)
		}
		if err != nil {
			return nil, err
		}
		tmpl := &v1alpha1.Application{}
		tmpl.Name = set.Spec.Template.Name
		tmpl.Namespace = set.Spec.Template.Namespace
		tmpl.Labels = set.Spec.Template.Labels
		tmpl.Annotations = set.Spec.Template.Annotations
		tmpl.Finalizers = set.Spec.Template.Finalizers
		tmpl.Spec = set.Spec.Template.Spec
		for _, p := range params {
			app, err := render.RenderTemplateParams(tmpl.DeepCopy(), set.Spec.SyncPolicy, p, true, set.Spec.GoTemplateOptions)
			if err != nil {
				return nil, err
			}
			apps = append(apps, app)
		}
	}
	return apps, nil
}

func listParams(list *v1alpha1.ListGenerator) ([]map[string]any, error) {
	var out []map[string]any
	for _, el := range list.Elements {
		var params map[string]any
		if err := json.Unmarshal(el.Raw, &params); err != nil {
			return nil, err
		}
		out = append(out, params)
	}
	return out, nil
}

func matrixParams(render *asutils.Render, set *v1alpha1.ApplicationSet, m *v1alpha1.MatrixGenerator, clusters []cluster) ([]map[string]any, error) {
	if len(m.Generators) != 2 || m.Generators[0].List == nil || m.Generators[1].Clusters == nil {
		return nil, fmt.Errorf("only a matrix of a list and a cluster generator is expanded here")
	}
	first, err := listParams(m.Generators[0].List)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, a := range first {
		gen, err := render.RenderGeneratorParams(&v1alpha1.ApplicationSetGenerator{Clusters: m.Generators[1].Clusters}, a, true, set.Spec.GoTemplateOptions)
		if err != nil {
			return nil, err
		}
		selector, err := metav1.LabelSelectorAsSelector(&gen.Clusters.Selector)
		if err != nil {
			return nil, err
		}
		for _, c := range clusters {
			if !selector.Matches(labels.Set(c.Labels)) {
				continue
			}
			meta := map[string]any{}
			if len(c.Labels) > 0 {
				meta["labels"] = c.Labels
			}
			merged := map[string]any{
				"name": c.Name, "nameNormalized": asutils.SanitizeName(c.Name), "server": c.Server,
				"project": "", "metadata": meta,
			}
			for k, v := range a {
				merged[k] = v
			}
			out = append(out, merged)
		}
	}
	return out, nil
}
