// Profile types as the cascader shows them: grouped by profile name, then sample type
// (`process_cpu` → `cpu`; `memory` → `alloc_objects`, `alloc_space`, `inuse_objects`, `inuse_space`).
import { ProfileTypeInfo } from '../types';

/** Structurally @grafana/ui's CascaderOption. */
export interface ProfileTypeOption {
  label: string;
  value: string;
  title?: string;
  items?: ProfileTypeOption[];
}

export interface ProfileTypeParts {
  name: string;
  sampleType: string;
  sampleUnit?: string;
  periodType?: string;
  periodUnit?: string;
}

/**
 * `name:sample_type:sample_unit:period_type:period_unit`; Pyroscope's older `app.cpu` ids split at the
 * last dot. An id with neither is a name alone.
 */
export function splitProfileTypeId(id: string): ProfileTypeParts {
  if (id.includes(':')) {
    const [name, sampleType = '', sampleUnit, periodType, periodUnit] = id.split(':');
    return { name, sampleType, sampleUnit, periodType, periodUnit };
  }
  const dot = id.lastIndexOf('.');
  return dot > 0 ? { name: id.slice(0, dot), sampleType: id.slice(dot + 1) } : { name: id, sampleType: '' };
}

/** Groups in the order the types came, sample types within a group too; a sample type seen twice names its unit. */
export function profileTypeOptions(types: ProfileTypeInfo[]): ProfileTypeOption[] {
  const groups = new Map<string, ProfileTypeOption & { items: ProfileTypeOption[] }>();
  const seen = new Set<string>();
  for (const t of types) {
    if (seen.has(t.id)) {
      continue;
    }
    seen.add(t.id);
    const parts = splitProfileTypeId(t.id);
    let group = groups.get(parts.name);
    if (!group) {
      group = { label: parts.name, value: parts.name, items: [] };
      groups.set(parts.name, group);
    }
    group.items.push({ label: parts.sampleType || t.label || t.id, value: t.id, title: t.id });
  }
  for (const group of groups.values()) {
    const counts = new Map<string, number>();
    group.items.forEach((i) => counts.set(i.label, (counts.get(i.label) ?? 0) + 1));
    for (const item of group.items) {
      const unit = splitProfileTypeId(item.value).sampleUnit;
      if (counts.get(item.label)! > 1 && unit) {
        item.label = `${item.label} (${unit})`;
      }
    }
  }
  return Array.from(groups.values());
}

/** What the cascader shows for a selected id: `process_cpu - cpu`, a `$variable` or an unknown id as is. */
export function profileTypeDisplay(id: string | undefined, options: ProfileTypeOption[], separator = ' - '): string {
  if (!id) {
    return '';
  }
  for (const group of options) {
    const item = group.items?.find((i) => i.value === id);
    if (item) {
      return `${group.label}${separator}${item.label}`;
    }
  }
  return id;
}
