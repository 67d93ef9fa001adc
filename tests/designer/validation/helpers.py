from designer.validation import Limits, validate_graph
from tests.factories import valid_graph


def problems_of(graph, **kwargs):
    return [p.as_dict() for p in validate_graph(graph, **kwargs)]


def codes(graph, **kwargs):
    return sorted({p["code"] for p in problems_of(graph, **kwargs)})


def base():
    return valid_graph()


SMALL = Limits(max_nodes=5, max_edges=5, max_expression_chars=50)
