// The DataSourceSrv of a Grafana with one data source: ours, by uid, name or `${variable}`-free ref.
import { DataSourceApi, DataSourceInstanceSettings, DataSourceRef } from '@grafana/data';
import { DataSourceSrv } from '@grafana/runtime';

export class HostDataSourceSrv implements DataSourceSrv {
  constructor(
    private settings: DataSourceInstanceSettings,
    private instance: () => DataSourceApi
  ) {}

  update(settings: DataSourceInstanceSettings, instance: () => DataSourceApi) {
    this.settings = settings;
    this.instance = instance;
  }

  private matches(ref?: DataSourceRef | string | null): boolean {
    if (ref === undefined || ref === null || ref === '') {
      return true; // the default data source
    }
    if (typeof ref === 'string') {
      return ref === this.settings.uid || ref === this.settings.name;
    }
    return ref.uid === undefined || ref.uid === this.settings.uid;
  }

  async get(ref?: DataSourceRef | string | null): Promise<DataSourceApi> {
    if (!this.matches(ref)) {
      throw new Error(`Datasource ${JSON.stringify(ref)} was not found`);
    }
    return this.instance();
  }

  getList(): DataSourceInstanceSettings[] {
    return [this.settings];
  }

  getInstanceSettings(ref?: DataSourceRef | string | null): DataSourceInstanceSettings | undefined {
    return this.matches(ref) ? this.settings : undefined;
  }

  async reload(): Promise<void> {}

  registerRuntimeDataSource(): void {
    throw new Error('runtime data sources are not supported by this Grafana stand-in');
  }
}
