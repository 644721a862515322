package main

// A tiny stand-in for kube-scheduler + kubelet (in the spirit of KWOK):
// --nodes=N registers N Ready nodes, binds unscheduled pods to them, reports
// bound pods as Running/Ready (with a pod IP, so Services get endpoints), lets
// pods with restartPolicy Never/OnFailure finish as Succeeded (so Jobs
// complete), and removes terminating pods at once. No container ever runs.
//
// Per-pod override: the annotation kfctl-testcp/phase on a pod selects the
// phase it is driven to: Pending (never bound), Running, Succeeded or Failed.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
)

const (
	fakeNodeAnnotation = "kfctl-testcp/fake-node"
	phaseAnnotation    = "kfctl-testcp/phase"
)

type fakeNodes struct {
	client kubernetes.Interface
	names  []string
	nodes  map[string]*corev1.Node
	pods   corelisters.PodLister
	queue  workqueue.TypedRateLimitingInterface[string]

	mu     sync.Mutex
	next   int
	ipNext int
	ips    map[string]string // pod UID -> IP
}

func runFakeNodes(ctx context.Context, kubeconfig string, n int) error {
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	rc.QPS, rc.Burst = 200, 400
	rc.UserAgent = "kfctl-testcp-fake-kubelet"
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	f := &fakeNodes{
		client: client,
		nodes:  map[string]*corev1.Node{},
		ips:    map[string]string{},
		ipNext: 2,
		queue: workqueue.NewTypedRateLimitingQueue(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](50*time.Millisecond, 5*time.Second)),
	}
	defer f.queue.ShutDown()
	for i := 0; i < n; i++ {
		node, err := f.registerNode(ctx, fmt.Sprintf("kfctl-node-%d", i))
		if err != nil {
			return fmt.Errorf("registering node: %w", err)
		}
		f.names = append(f.names, node.Name)
		f.nodes[node.Name] = node
	}

	factory := informers.NewSharedInformerFactory(client, 0)
	podInformer := factory.Core().V1().Pods()
	f.pods = podInformer.Lister()
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			f.queue.Add(key)
		}
	}
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	factory.WaitForCacheSync(ctx.Done())

	go wait.UntilWithContext(ctx, f.heartbeat, 20*time.Second)
	for w := 0; w < 2; w++ {
		go func() {
			for f.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	return nil
}

func (f *fakeNodes) registerNode(ctx context.Context, name string) (*corev1.Node, error) {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("32"),
		corev1.ResourceMemory:           resource.MustParse("256Gi"),
		corev1.ResourcePods:             resource.MustParse("250"),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kfctl-testcp-fake",
			},
			Annotations: map[string]string{fakeNodeAnnotation: "true"},
		},
	}
	created, err := f.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		created, err = f.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	}
	if err != nil {
		return nil, err
	}
	now := metav1.Now()
	created.Status = corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "fake kubelet is ready", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", LastHeartbeatTime: now, LastTransitionTime: now},
		},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
			{Type: corev1.NodeHostName, Address: name},
		},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion:          "v1.36.3",
			OperatingSystem:         "linux",
			Architecture:            "amd64",
			ContainerRuntimeVersion: "fake://1.0",
			OSImage:                 "kfctl-testcp fake node",
			KernelVersion:           "fake",
		},
	}
	updated, err := f.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	// The TaintNodesByCondition admission plugin puts node.kubernetes.io/not-ready
	// on every new node; the node-lifecycle controller (not run here) would
	// lift it once the node is Ready. Lift it ourselves, or DaemonSets see no
	// eligible node.
	if len(updated.Spec.Taints) > 0 {
		var keep []corev1.Taint
		for _, t := range updated.Spec.Taints {
			if !strings.HasPrefix(t.Key, "node.kubernetes.io/") {
				keep = append(keep, t)
			}
		}
		updated.Spec.Taints = keep
		updated, err = f.client.CoreV1().Nodes().Update(ctx, updated, metav1.UpdateOptions{})
		if err != nil {
			return nil, err
		}
	}
	return updated, nil
}

func (f *fakeNodes) heartbeat(ctx context.Context) {
	for _, name := range f.names {
		node, err := f.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			continue
		}
		now := metav1.Now()
		for i := range node.Status.Conditions {
			node.Status.Conditions[i].LastHeartbeatTime = now
		}
		_, _ = f.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	}
}

func (f *fakeNodes) processNext(ctx context.Context) bool {
	key, quit := f.queue.Get()
	if quit {
		return false
	}
	defer f.queue.Done(key)
	err := f.sync(ctx, key)
	switch {
	case err == nil:
		f.queue.Forget(key)
	case ctx.Err() != nil:
	default:
		if f.queue.NumRequeues(key) < 15 {
			f.queue.AddRateLimited(key)
		} else {
			fmt.Fprintf(os.Stderr, "kfctl-testcp: fake kubelet: giving up on %s: %v\n", key, err)
			f.queue.Forget(key)
		}
	}
	return true
}

func (f *fakeNodes) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := f.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	want := desiredPhase(pod)

	// Terminating pods on our nodes: the kubelet would stop the containers
	// and confirm deletion; do it at once.
	if pod.DeletionTimestamp != nil {
		if _, ours := f.nodes[pod.Spec.NodeName]; !ours {
			return nil
		}
		zero := int64(0)
		err := f.client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero,
			Preconditions:      &metav1.Preconditions{UID: &pod.UID},
		})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return err
	}

	if pod.Spec.NodeName == "" {
		if want == corev1.PodPending {
			return nil
		}
		if pod.Spec.SchedulerName != "" && pod.Spec.SchedulerName != corev1.DefaultSchedulerName {
			return nil
		}
		node := f.pickNode(pod)
		if node == "" {
			return nil // no node matches its selector: stays Pending, like a real cluster
		}
		err := f.client.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: node},
		}, metav1.CreateOptions{})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return err // the update event of the bound pod brings it back here
	}

	if _, ours := f.nodes[pod.Spec.NodeName]; !ours {
		return nil
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return nil
	case corev1.PodRunning:
		if want == corev1.PodRunning {
			return nil
		}
		// finished after having run
		st := f.podStatus(pod, want)
		return f.updateStatus(ctx, pod, st)
	default:
		st := f.podStatus(pod, corev1.PodRunning)
		if err := f.updateStatus(ctx, pod, st); err != nil {
			return err
		}
		if want != corev1.PodRunning {
			f.queue.AddAfter(key, 500*time.Millisecond)
		}
		return nil
	}
}

func desiredPhase(pod *corev1.Pod) corev1.PodPhase {
	switch strings.ToLower(pod.Annotations[phaseAnnotation]) {
	case "pending":
		return corev1.PodPending
	case "running":
		return corev1.PodRunning
	case "succeeded":
		return corev1.PodSucceeded
	case "failed":
		return corev1.PodFailed
	}
	if pod.Spec.RestartPolicy == corev1.RestartPolicyNever || pod.Spec.RestartPolicy == corev1.RestartPolicyOnFailure {
		return corev1.PodSucceeded
	}
	return corev1.PodRunning
}

// pickNode honours nodeName-pinning node affinity (DaemonSets) and
// nodeSelector; everything else (affinity, taints, resources) is ignored.
func (f *fakeNodes) pickNode(pod *corev1.Pod) string {
	candidates := []string{}
	for _, name := range f.names {
		if !labels.SelectorFromSet(pod.Spec.NodeSelector).Matches(labels.Set(f.nodes[name].Labels)) {
			continue
		}
		if !matchesNodeNameAffinity(pod, name) {
			continue
		}
		candidates = append(candidates, name)
	}
	if len(candidates) == 0 {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	return candidates[f.next%len(candidates)]
}

func matchesNodeNameAffinity(pod *corev1.Pod, node string) bool {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true
	}
	terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	constrained := false
	for _, t := range terms {
		for _, r := range t.MatchFields {
			if r.Key != "metadata.name" || r.Operator != corev1.NodeSelectorOpIn {
				continue
			}
			constrained = true
			for _, v := range r.Values {
				if v == node {
					return true
				}
			}
		}
	}
	return !constrained
}

func (f *fakeNodes) podIP(uid string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ip, ok := f.ips[uid]; ok {
		return ip
	}
	n := f.ipNext
	f.ipNext++
	ip := fmt.Sprintf("10.244.%d.%d", (n/250)%250, n%250+1)
	f.ips[uid] = ip
	return ip
}

func (f *fakeNodes) podStatus(pod *corev1.Pod, phase corev1.PodPhase) corev1.PodStatus {
	now := metav1.Now()
	st := *pod.Status.DeepCopy()
	st.Phase = phase
	st.HostIP = "127.0.0.1"
	st.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
	ip := f.podIP(string(pod.UID))
	if pod.Spec.HostNetwork {
		ip = "127.0.0.1"
	}
	st.PodIP = ip
	st.PodIPs = []corev1.PodIP{{IP: ip}}
	if st.StartTime == nil {
		st.StartTime = &now
	}
	running := phase == corev1.PodRunning
	exit := int32(0)
	reason := "Completed"
	if phase == corev1.PodFailed {
		exit, reason = 1, "Error"
	}
	cond := func(t corev1.PodConditionType, ok bool) corev1.PodCondition {
		s := corev1.ConditionFalse
		if ok {
			s = corev1.ConditionTrue
		}
		c := corev1.PodCondition{Type: t, Status: s, LastTransitionTime: now}
		if !ok {
			c.Reason = "PodCompleted"
		}
		return c
	}
	st.Conditions = []corev1.PodCondition{
		cond(corev1.PodScheduled, true),
		cond(corev1.PodInitialized, true),
		cond(corev1.ContainersReady, running),
		cond(corev1.PodReady, running),
	}
	containerStatus := func(c corev1.Container, init bool) corev1.ContainerStatus {
		cs := corev1.ContainerStatus{
			Name:        c.Name,
			Image:       c.Image,
			ImageID:     "fake://" + c.Image,
			ContainerID: "fake://" + string(pod.UID) + "/" + c.Name,
		}
		started := now
		if init || !running {
			cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: exit, Reason: reason, StartedAt: started, FinishedAt: now}
			if init {
				cs.State.Terminated.ExitCode, cs.State.Terminated.Reason = 0, "Completed"
			}
			f := false
			cs.Started = &f
		} else {
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: started}
			cs.Ready = true
			t := true
			cs.Started = &t
		}
		return cs
	}
	st.InitContainerStatuses = nil
	for _, c := range pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, containerStatus(c, true))
	}
	st.ContainerStatuses = nil
	for _, c := range pod.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, containerStatus(c, false))
	}
	return st
}

func (f *fakeNodes) updateStatus(ctx context.Context, pod *corev1.Pod, st corev1.PodStatus) error {
	p := pod.DeepCopy()
	p.Status = st
	_, err := f.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
