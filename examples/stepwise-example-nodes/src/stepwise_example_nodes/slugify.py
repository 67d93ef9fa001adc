"""`example.slugify`: a text as a URL-safe slug ("Grüße, Welt!" -> "grusse-welt")."""

from __future__ import annotations

import re
import unicodedata

from catalog.nodes.base import JSONDict, NodeResult, NodeType, StepContext, StepFailed, choices, literal, obj

# Letters a decomposition does not reduce to ASCII, spelled out.
_SPELLED = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "œ": "oe", "Œ": "OE"}
)


def slugify(text: str, *, separator: str = "-", max_length: int | None = None, lowercase: bool = True) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.translate(_SPELLED)).encode("ascii", "ignore").decode("ascii")
    if lowercase:
        ascii_text = ascii_text.lower()
    slug = re.sub(r"[^A-Za-z0-9]+", separator, ascii_text).strip(separator)
    if max_length is not None and len(slug) > max_length:
        slug = slug[:max_length].rstrip(separator)
    return slug


class Slugify(NodeType):
    type = "example.slugify"
    title = "Slugify"
    category = "Data"
    description = "Turns a text into a URL-safe slug: ASCII letters and digits joined by a separator."
    # Pure: the output depends on the config alone, so the engine may run it inline.
    inline = True
    config_schema = obj(
        {
            "text": {
                "type": "string",
                "title": "Text",
                "description": "What to slugify; usually an expression such as {{ trigger.title }}.",
            },
            "separator": literal(choices({"-": "Hyphen (-)", "_": "Underscore (_)", ".": "Dot (.)"}, type="string", title="Separator")),
            "max_length": {"type": "integer", "title": "Maximum length", "minimum": 1, "maximum": 1000},
            "lowercase": {"type": "boolean", "title": "Lower case"},
        },
        required=("text",),
    )
    default_config = {"text": "{{ trigger.title }}", "separator": "-", "lowercase": True}
    output_schema = obj(
        {"slug": {"type": "string"}, "length": {"type": "integer", "minimum": 0}},
        required=("slug", "length"),
    )

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        text = config.get("text")
        if isinstance(text, str) and "{{" not in text and not text.strip():
            return [("/text", "Text is empty: there is nothing to slugify.")]
        return []

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        config = ctx.config
        slug = slugify(
            str(config["text"]),
            separator=config.get("separator", "-"),
            max_length=config.get("max_length"),
            lowercase=config.get("lowercase", True),
        )
        if not slug:
            # The same text gives the same empty slug every time: retrying cannot help.
            raise StepFailed(f"{config['text']!r} has no letter or digit to make a slug of.", code="empty_slug", retryable=False)
        return NodeResult(output={"slug": slug, "length": len(slug)})
