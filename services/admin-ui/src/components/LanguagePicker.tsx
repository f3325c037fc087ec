import { Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LANGUAGES } from '../i18n';

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <Select
      aria-label={t('nav.language')}
      data={LANGUAGES.map((language) => ({ value: language.code, label: language.label }))}
      value={i18n.resolvedLanguage ?? 'en'}
      onChange={(language) => language && void i18n.changeLanguage(language)}
      allowDeselect={false}
      w={170}
      size="xs"
      comboboxProps={{ withinPortal: true }}
    />
  );
}
