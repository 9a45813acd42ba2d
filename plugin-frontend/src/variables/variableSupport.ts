// The data source's template variable support: Grafana stores a VariableQuery (or an older shape,
// read by migrateVariableQuery) and asks `query` for the variable's values.
import { Observable, from, map } from 'rxjs';

import { CustomVariableSupport, DataQueryRequest, DataQueryResponse } from '@grafana/data';

import { VariableQueryEditor } from '../components/VariableQueryEditor';
import type { ProfilesDataSource } from '../datasource';
import { VariableDataQuery } from '../types';

import { migrateVariableQuery } from './variableQuery';

export class ProfilesVariableSupport extends CustomVariableSupport<ProfilesDataSource, VariableDataQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: ProfilesDataSource) {
    super();
  }

  getDefaultQuery(): Partial<VariableDataQuery> {
    return { type: 'profileTypes' };
  }

  query(request: DataQueryRequest<VariableDataQuery>): Observable<DataQueryResponse> {
    const query = migrateVariableQuery(request.targets[0]);
    return from(this.datasource.metricFindQuery(query, { range: request.range, scopedVars: request.scopedVars })).pipe(
      map((data) => ({ data }))
    );
  }
}
