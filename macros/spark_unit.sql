{#
    dbt's unit-test materialization on Spark. The default one creates the temporary
    relation that gives the model's column types with run_query, which fetches a result;
    over `method: thrift` PyHive fails on a statement without one ("'NoneType' object is
    not iterable", dbt-labs/dbt-adapters#481). The same steps, the creation run as a
    statement that fetches nothing.
#}
{%- materialization unit, adapter='spark' -%}
    {%- set expected_rows = config.get('expected_rows') -%}
    {%- set expected_sql = config.get('expected_sql') -%}
    {%- set tested_expected_column_names = expected_rows[0].keys()
        if (expected_rows | length) > 0 else get_columns_in_query(sql) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set temp_relation = make_temp_relation(target_relation) -%}
    {%- call statement('unit_test_column_types', fetch_result=false, auto_begin=false) -%}
        {{ get_create_table_as_sql(true, temp_relation, get_empty_subquery_sql(sql)) }}
    {%- endcall -%}
    {%- set column_name_to_data_types = {} -%}
    {%- set column_name_to_quoted = {} -%}
    {%- for column in adapter.get_columns_in_relation(temp_relation) -%}
        {%- do column_name_to_data_types.update({column.name | lower: column.data_type}) -%}
        {%- do column_name_to_quoted.update({column.name | lower: column.quoted}) -%}
    {%- endfor -%}
    {%- set expected_column_names_quoted = [] -%}
    {%- for column_name in tested_expected_column_names -%}
        {%- do expected_column_names_quoted.append(column_name_to_quoted[column_name | lower]) -%}
    {%- endfor -%}
    {%- if not expected_sql -%}
        {%- set expected_sql = get_expected_sql(
            expected_rows, column_name_to_data_types, column_name_to_quoted) -%}
    {%- endif -%}
    {%- call statement('main', fetch_result=true) -%}
        {{ get_unit_test_sql(sql, expected_sql, expected_column_names_quoted) }}
    {%- endcall -%}
    {%- do adapter.drop_relation(temp_relation) -%}
    {{ return({'relations': []}) }}
{%- endmaterialization -%}
