#!/usr/bin/env python3
"""Produce the fixed EKS token / SigV4 presign vectors in eks_token_vectors.json.

Run ONCE (the output is committed); the tests compare our C++ output with it exactly.
It uses the AWS CLI's own token generator (awscli.customizations.eks.get_token, i.e.
what `aws eks get-token` runs) with botocore's clock frozen at a fixed time and fake
keys, so no network and no real credentials are involved:

    python3 tests/data/aws/make_vectors.py > tests/data/aws/eks_token_vectors.json

Made with awscli and botocore as installed on the build machines (versions recorded
in the output).
"""
import datetime
import json

import awscli
import botocore
import botocore.auth
import botocore.session
from awscli.customizations.eks.get_token import STSClientFactory, TokenGenerator

FROZEN = datetime.datetime(2026, 11, 27, 0, 0, 0)
botocore.auth.get_current_datetime = lambda remove_tzinfo=True: FROZEN

CASES = [
    {"name": "no session token, us-east-1", "region": "us-east-1", "cluster": "flux-burst",
     "access_key": "AKIDEXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
     "session_token": ""},
    {"name": "session token with / + =, eu-west-1", "region": "eu-west-1",
     "cluster": "burst_cluster-2", "access_key": "ASIAEXAMPLE123",
     "secret_key": "secret/with+chars=",
     "session_token": "FwoGZXIvYXdzEJr//////////wEaDH+token/with=padding=="},
]

out = {"generator": "awscli %s, botocore %s, TokenGenerator + STSClientFactory of "
                    "awscli.customizations.eks.get_token, clock frozen" % (
                        awscli.__version__, botocore.__version__),
       "time": FROZEN.strftime("%Y%m%dT%H%M%SZ"), "expires": 60, "cases": []}
for case in CASES:
    session = botocore.session.Session()
    session.set_credentials(case["access_key"], case["secret_key"],
                            case["session_token"] or None)
    from awscli.customizations.eks.get_token import STSClientFactory as F
    sts = F(session).get_sts_client(region_name=case["region"])
    token = TokenGenerator(sts).get_token(case["cluster"])
    url = TokenGenerator(sts)._get_presigned_url(case["cluster"])
    out["cases"].append(dict(case, url=url, token=token))
print(json.dumps(out, indent=2))
