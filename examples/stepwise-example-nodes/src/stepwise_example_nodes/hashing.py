"""`example.hash`: the digest of a text (SHA-256, SHA-512, BLAKE2b), in hex or base64.

Its entry point names `node_types`, a callable returning the types: the form to use when a
package decides at load time which types it offers (an optional dependency present or not)."""

from __future__ import annotations

import base64
import hashlib

from catalog.nodes.base import NodeResult, NodeType, StepContext, choices, literal, obj

ALGORITHMS = {"sha256": "SHA-256", "sha512": "SHA-512", "blake2b": "BLAKE2b"}
ENCODINGS = {"hex": "Hexadecimal", "base64": "Base64"}


class Hash(NodeType):
    type = "example.hash"
    title = "Hash a text"
    category = "Data"
    description = "Computes the digest of a text (UTF-8) with SHA-256, SHA-512 or BLAKE2b, written in hex or base64."
    # Pure, but not inline: a long text costs CPU, which an inline step would spend under its
    # run's lock. It runs as a step of its own (a worker's, in production).
    inline = False
    config_schema = obj(
        {
            "text": {"type": "string", "title": "Text"},
            "algorithm": literal(choices(ALGORITHMS, type="string", title="Algorithm")),
            "encoding": literal(choices(ENCODINGS, type="string", title="Encoding")),
        },
        required=("text",),
    )
    default_config = {"text": "{{ $string(trigger) }}", "algorithm": "sha256", "encoding": "hex"}
    output_schema = obj(
        {"digest": {"type": "string"}, "algorithm": {"enum": list(ALGORITHMS)}, "encoding": {"enum": list(ENCODINGS)}},
        required=("digest", "algorithm", "encoding"),
    )

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        algorithm = ctx.config.get("algorithm", "sha256")
        encoding = ctx.config.get("encoding", "hex")
        digest = hashlib.new(algorithm, str(ctx.config["text"]).encode("utf-8")).digest()
        written = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")
        return NodeResult(output={"digest": written, "algorithm": algorithm, "encoding": encoding})


def node_types() -> list[type[NodeType]]:
    return [Hash]
