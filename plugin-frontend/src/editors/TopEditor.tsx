// The Top tab: the functions of a selection ranked by self, never truncated by a node limit (the
// backend's `top` table), with the number of rows to keep.
import { css } from '@emotion/css';

import { GrafanaTheme2 } from '@grafana/data';
import { InlineFieldRow, useStyles2 } from '@grafana/ui';

import { CountField } from '../components/CountField';
import { ProfileSelection } from './ProfileSelection';
import { ModeEditorProps, runOnChange } from './types';

export function TopEditor(props: ModeEditorProps) {
  const { query, onChange, onRunQuery } = props;
  const styles = useStyles2(getStyles);
  const changeAndRun = runOnChange(onChange, onRunQuery);

  return (
    <div data-testid="top-editor">
      <ProfileSelection {...props} selectorTestId="top-selector" />
      <InlineFieldRow className={styles.options}>
        <CountField
          label="Limit"
          labelWidth={14}
          tooltip="Most functions, the largest self first (empty: all)"
          testId="top-limit"
          placeholder="all"
          value={query.limit}
          onChange={(limit) => changeAndRun({ ...query, limit })}
        />
      </InlineFieldRow>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  options: css({ marginTop: theme.spacing(1) }),
});
