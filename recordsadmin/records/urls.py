from django.urls import path

from recordsadmin.records.views import (
    browse,
    bulk,
    cells,
    editing,
    links,
    saved,
    schema,
    transfer,
    undo,
)
from recordsadmin.records.views import facets as counts
from recordsadmin.records.views import related as linked

app_name = "records"

urlpatterns = [
    path("", browse.home, name="home"),
    path("healthz", browse.healthz, name="healthz"),
    path("objects/<str:key>/new/", editing.record_create, name="record_create"),
    # Bulk work; before the record routes, which would take "bulk" or "export" for an id.
    path("objects/<str:key>/bulk/", bulk.bulk_edit, name="bulk_edit"),
    path("objects/<str:key>/bulk/start/", bulk.bulk_start, name="bulk_start"),
    path("objects/<str:key>/table/", browse.table_settings, name="table_settings"),
    # Saved views (views/saved.py), likewise before the record routes.
    path(
        "objects/<str:key>/all/", browse.record_list, {"all_records": True}, name="record_list_all"
    ),
    path("objects/<str:key>/views/", saved.view_create, name="view_create"),
    path("objects/<str:key>/views/counts/", saved.view_counts, name="view_counts"),
    path("objects/<str:key>/views/<int:view_id>/", browse.record_list, name="view_table"),
    path("objects/<str:key>/views/<int:view_id>/open/", saved.view_open, name="view_open"),
    path("objects/<str:key>/views/<int:view_id>/update/", saved.view_update, name="view_update"),
    path("objects/<str:key>/views/<int:view_id>/rename/", saved.view_rename, name="view_rename"),
    path("objects/<str:key>/views/<int:view_id>/delete/", saved.view_delete, name="view_delete"),
    path("objects/<str:key>/views/<int:view_id>/default/", saved.view_default, name="view_default"),
    path("objects/<str:key>/views/<int:view_id>/share/", saved.view_share, name="view_share"),
    path("objects/<str:key>/facets/", counts.record_facets, name="record_facets"),
    path("objects/<str:key>/chart/", counts.record_chart, name="record_chart"),
    path("objects/<str:key>/links/", links.record_links, name="record_links"),
    path("objects/<str:key>/export/", transfer.record_export, name="record_export"),
    path("objects/<str:key>/export.csv", transfer.record_export_csv, name="record_export_csv"),
    path(
        "objects/<str:key>/export/<uuid:download>/",
        transfer.record_export_status,
        name="record_export_status",
    ),
    path("objects/<str:key>/import/", transfer.import_upload, name="import_upload"),
    path("imports/<str:upload_id>/", transfer.import_map, name="import_map"),
    path("imports/<str:upload_id>/start/", transfer.import_start, name="import_start"),
    path("jobs/<str:job_id>/", bulk.job_detail, name="job_detail"),
    path("jobs/<str:job_id>/cancel/", bulk.job_cancel, name="job_cancel"),
    path("jobs/<str:job_id>/retry/", bulk.job_retry, name="job_retry"),
    path("jobs/<str:job_id>/revert/", bulk.job_revert, name="job_revert"),
    path("jobs/<str:job_id>/report.csv", bulk.job_report, name="job_report"),
    path("objects/<str:key>/<str:record_id>/edit/", editing.record_edit, name="record_edit"),
    path("objects/<str:key>/<str:record_id>/delete/", editing.record_delete, name="record_delete"),
    path(
        "objects/<str:key>/<str:record_id>/restore/", editing.record_restore, name="record_restore"
    ),
    path(
        "objects/<str:key>/<str:record_id>/cell/<str:field_key>/",
        cells.record_cell,
        name="record_cell",
    ),
    path(
        "objects/<str:key>/<str:record_id>/undo/<int:change_id>/",
        undo.record_undo,
        name="record_undo",
    ),
    # The schema editor (views/schema.py).
    path("schema/", schema.schema_objects, name="schema_objects"),
    path("schema/new/", schema.object_create, name="schema_object_create"),
    path("schema/<str:key>/", schema.schema_object, name="schema_object"),
    path("schema/<str:key>/edit/", schema.object_edit, name="schema_object_edit"),
    path("schema/<str:key>/fields/new/", schema.field_create, name="schema_field_create"),
    path("schema/<str:key>/fields/<str:field_key>/", schema.field_edit, name="schema_field_edit"),
    path(
        "schema/<str:key>/fields/<str:field_key>/delete/",
        schema.field_delete,
        name="schema_field_delete",
    ),
    path("schema/<str:key>/folders/new/", schema.folder_create, name="schema_folder_create"),
    path(
        "schema/<str:key>/folders/<str:folder_id>/",
        schema.folder_rename,
        name="schema_folder_rename",
    ),
    path(
        "schema/<str:key>/folders/<str:folder_id>/delete/",
        schema.folder_delete,
        name="schema_folder_delete",
    ),
    path(
        "schema/<str:key>/associations/new/",
        schema.association_create,
        name="schema_association_create",
    ),
    path(
        "schema/<str:key>/associations/<str:association_id>/",
        schema.association_edit,
        name="schema_association_edit",
    ),
    path(
        "schema/<str:key>/associations/<str:association_id>/delete/",
        schema.association_delete,
        name="schema_association_delete",
    ),
    path(
        "schema/<str:key>/associations/<str:association_id>/count/",
        schema.association_count,
        name="schema_association_count",
    ),
    # A record's related records (views/related.py).
    path(
        "objects/<str:key>/<str:record_id>/related/<str:association_id>/",
        linked.related_section,
        name="related_section",
    ),
    path(
        "objects/<str:key>/<str:record_id>/related/<str:association_id>/link/",
        linked.related_link,
        name="related_link",
    ),
    path(
        "objects/<str:key>/<str:record_id>/related/<str:association_id>/new/",
        linked.related_new,
        name="related_new",
    ),
    path(
        "objects/<str:key>/<str:record_id>/related/<str:association_id>/<str:other_id>/unlink/",
        linked.related_unlink,
        name="related_unlink",
    ),
    path(
        "objects/<str:key>/<str:record_id>/relink/<int:change_id>/",
        linked.related_undo,
        name="related_undo",
    ),
    path("objects/<str:key>/", browse.record_list, name="record_list"),
    path("objects/<str:key>/<str:record_id>/", browse.record_detail, name="record_detail"),
]
