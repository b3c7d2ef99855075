#!/usr/bin/env python3
"""Write eks-2017-11-01.requests.json: the request shapes of the EKS calls the eks
plugin makes, trimmed from botocore's service model (botocore/data/eks/2017-11-01/
service-2.json, Apache-2.0, installed with the AWS CLI). The fake EKS server of the
tests checks request bodies against it: members, their types, required members.

    python3 tests/data/aws/trim_eks_model.py > tests/data/aws/eks-2017-11-01.requests.json
"""
import gzip
import json
import os

import botocore

base = os.path.join(os.path.dirname(botocore.__file__), "data", "eks", "2017-11-01")
path = os.path.join(base, "service-2.json")
model = json.load(gzip.open(path + ".gz") if not os.path.exists(path) else open(path))
shapes = model["shapes"]


def describe(name, depth=0):
    shape = shapes[name]
    out = {"type": shape["type"]}
    if shape["type"] == "structure" and depth < 3:
        out["members"] = {}
        out["required"] = [m for m in shape.get("required", [])
                           if shape["members"][m].get("location") != "uri"]
        for member, spec in shape["members"].items():
            if spec.get("location") == "uri":
                continue  # in the path, not the body
            out["members"][member] = describe(spec["shape"], depth + 1)
    elif shape["type"] == "list":
        out["member"] = describe(shape["member"]["shape"], depth + 1)
    elif shape["type"] == "string" and "enum" in shape:
        out["enum"] = shape["enum"]
    return out


operations = {}
for op in ["CreateCluster", "CreateNodegroup", "UpdateNodegroupConfig", "DescribeCluster",
           "DescribeNodegroup", "DeleteCluster", "DeleteNodegroup"]:
    spec = model["operations"][op]
    operations[op] = {"http": spec["http"], "input": describe(spec["input"]["shape"]),
                      "errors": [e["shape"] for e in spec.get("errors", [])]}
print(json.dumps({"source": "botocore %s data/eks/2017-11-01/service-2.json (Apache-2.0), "
                            "trimmed by tests/data/aws/trim_eks_model.py" % botocore.__version__,
                  "operations": operations}, indent=1, sort_keys=True))
