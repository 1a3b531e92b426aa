#!/usr/bin/env python3
"""Checks deploy/kubernetes/particle.yaml without a cluster: every document parses, the embedded JSON
parses, and the parts particled depends on are there (RBAC on nodes, NODE_NAME, probes on 9651,
host network, privileged, the host paths). Usage: python3 deploy/kubernetes/check-manifest.py"""
import json
import pathlib
import sys

import yaml

path = pathlib.Path(__file__).with_name("particle.yaml")
docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
by_kind = {d["kind"]: d for d in docs}
problems = []


def need(condition, what):
    if not condition:
        problems.append(what)


need(set(by_kind) >= {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet"},
     f"kinds present: {sorted(by_kind)}")
rules = by_kind["ClusterRole"]["rules"]
need(any("nodes" in r["resources"] and {"get", "list", "watch", "patch"} <= set(r["verbs"]) for r in rules),
     "ClusterRole grants get/list/watch/patch on nodes")
subject = by_kind["ClusterRoleBinding"]["subjects"][0]
sa = by_kind["ServiceAccount"]["metadata"]
need(subject["name"] == sa["name"] and subject["namespace"] == sa["namespace"], "binding names the service account")
need(by_kind["ClusterRoleBinding"]["roleRef"]["name"] == by_kind["ClusterRole"]["metadata"]["name"], "binding names the role")

data = by_kind["ConfigMap"]["data"]
node = json.loads(data["particled.json"])
need(node["cluster"]["backend"] == "kubernetes", "node config uses the kubernetes backend")
# The probes below need particled's metrics endpoint: "metrics": {"address": "0.0.0.0:9651"} (MetricsConfig).
need(node.get("metrics", {}).get("address") == "0.0.0.0:9651", "metrics on 0.0.0.0:9651, where the kubelet probes reach them")
need("nodeName" not in node["cluster"] and "underlayAddress" not in node["cluster"] and "underlayInterface" not in node["cluster"],
     "nodeName and underlay come from the pod (NODE_NAME, HOST_IP), not the shared ConfigMap")
conflist = json.loads(data["10-particle.conflist"])
need(conflist["cniVersion"] == "1.0.0" and "1.1.0" in conflist["cniVersions"], "conflist cniVersion 1.0.0 + cniVersions 1.1.0")
need(conflist["name"] in [n["name"] for n in node["networks"]], "conflist name is a network of the node config")

ds = by_kind["DaemonSet"]
spec = ds["spec"]["template"]["spec"]
need(ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items(), "selector matches the pod labels")
need(spec["hostNetwork"] is True, "hostNetwork")
need(spec["serviceAccountName"] == sa["name"], "pods run as the service account")
main = spec["containers"][0]
need(main["securityContext"]["privileged"] is True, "privileged")
env = {e["name"]: e for e in main["env"]}
need(env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "spec.nodeName", "NODE_NAME from spec.nodeName")
need(env.get("HOST_IP", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "status.hostIP", "HOST_IP from status.hostIP")
need(main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 9651}, "liveness /healthz on 9651")
need(main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 9651}, "readiness /readyz on 9651")
host_paths = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v}
need(set(host_paths.values()) >= {"/run", "/var/lib/particle", "/opt/cni/bin", "/etc/cni/net.d"}, f"host paths: {host_paths}")
volumes = {v["name"] for v in spec["volumes"]}
for container in spec["containers"] + spec["initContainers"]:
    for mount in container["volumeMounts"]:
        need(mount["name"] in volumes, f"{container['name']} mounts an existing volume {mount['name']}")
init = spec["initContainers"][0]
need("/host/opt/cni/bin/particle" in " ".join(init["command"]) and "10-particle.conflist" in " ".join(init["command"]),
     "init container installs the plugin and the conflist")

if problems:
    print("particle.yaml: FAILED:\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"particle.yaml: {len(docs)} documents, all checks passed")
