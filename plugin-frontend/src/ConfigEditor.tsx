import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { InlineField, Input } from '@grafana/ui';

import { ProfilesDataSourceOptions, ProfilesSecureJsonData } from './types';

type Props = DataSourcePluginOptionsEditorProps<ProfilesDataSourceOptions, ProfilesSecureJsonData>;

export function ConfigEditor({ options, onOptionsChange }: Props) {
  return (
    <InlineField label="Data directory" labelWidth={20} tooltip="The collector's data directory as Grafana sees it">
      <Input
        data-testid="config-data-directory"
        width={50}
        value={options.jsonData.dataDirectory ?? ''}
        onChange={(e) =>
          onOptionsChange({ ...options, jsonData: { ...options.jsonData, dataDirectory: e.currentTarget.value } })
        }
      />
    </InlineField>
  );
}
