//go:build tools

// The control plane the tests run: confluent_ops.testing builds these three commands from this
// module (go build k8s.io/kubernetes/cmd/kube-apiserver, ...), never a copy of their code.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
