"""The node catalog: every node type (built-in and from plugins) and the plugins' entry points."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.nodes import registry
from designer.api.serializers import NodePluginSerializer, NodeTypeSerializer
from designer.node_catalog import node_plugin_list, node_type_describe, node_type_list


class NodeTypeListView(APIView):
    @extend_schema(responses={200: NodeTypeSerializer(many=True)}, operation_id="node_types_list")
    def get(self, request: Request) -> Response:
        return Response(node_type_list())


class NodeTypeDetailView(APIView):
    @extend_schema(responses={200: NodeTypeSerializer}, operation_id="node_types_retrieve")
    def get(self, request: Request, node_type: str) -> Response:
        cls = registry.get(node_type)
        if cls is None:
            raise Http404(f"Unknown node type {node_type!r}.")
        return Response(node_type_describe(cls))


class NodePluginListView(APIView):
    @extend_schema(
        responses={200: NodePluginSerializer(many=True)},
        operation_id="node_plugins_list",
        description="The installed node plugins' entry points (group `stepwise.nodes`): the node types each added, "
        "or the error that kept it out of the catalog (docs/nodes.md).",
    )
    def get(self, request: Request) -> Response:
        return Response(node_plugin_list())
