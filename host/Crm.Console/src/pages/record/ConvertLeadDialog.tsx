import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../../gql';
import { useI18n, type MessageKey } from '../../i18n';
import { recordPath, useEntityType } from '../../metadata/entityTypes';
import { Dialog } from '../../components/Dialog';
import { PipelinesQuery } from '../../metadata/pipelines';
import { RecordPicker } from '../../components/RecordPicker';


const ConvertLead = graphql(`
  mutation ConsoleConvertLead($id: ID!, $input: ConvertLeadInput!) {
    convertLead(id: $id, input: $input) {
      deal { id }
      contact { id }
      company { id }
      errors { code message path }
    }
  }
`);

type Choice = 'new' | 'existing' | 'none';

/** Lead conversion: a contact and a company (new from the lead, existing, or none) and the deal's pipeline. */
export function ConvertLeadDialog({ leadId, onClose, onConverted }: { leadId: string; onClose: () => void; onConverted: () => void }) {
  const { t } = useI18n();
  const contactType = useEntityType('CONTACT');
  const companyType = useEntityType('COMPANY');
  const dealType = useEntityType('DEAL');
  const [pipelines] = useQuery({ query: PipelinesQuery });
  const [contact, setContact] = useState<Choice>('new');
  const [contactId, setContactId] = useState('');
  const [company, setCompany] = useState<Choice>('none');
  const [companyId, setCompanyId] = useState('');
  const [createDeal, setCreateDeal] = useState(!!dealType);
  const [pipelineId, setPipelineId] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [dealId, setDealId] = useState<string | null>(null);
  const [{ fetching }, convert] = useMutation(ConvertLead);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = {
      createContact: contact === 'new' ? true : null,
      contactId: contact === 'existing' && contactId ? contactId : null,
      createCompany: company === 'new' ? {} : null,
      companyId: company === 'existing' && companyId ? companyId : null,
      createDeal: createDeal ? (pipelineId ? { pipelineId } : {}) : null,
    };
    const result = await convert({ id: leadId, input });
    const refused = result.data?.convertLead.errors ?? [];
    if (result.error) setErrors([result.error.message]);
    else if (refused.length) setErrors(refused.map((r) => r.message));
    else {
      setErrors([]);
      setDealId(result.data?.convertLead.deal?.id ?? null);
      onConverted();
    }
  }

  const labels: Record<Choice, MessageKey> = { new: 'convert.new', existing: 'convert.existing', none: 'convert.none' };
  const choices = (name: string, value: Choice, set: (c: Choice) => void) =>
    (['new', 'existing', 'none'] as const).map((option) => (
      <label key={option} className="check">
        <input type="radio" name={name} checked={value === option} onChange={() => set(option)} />
        {t(labels[option])}
      </label>
    ));

  if (dealId !== null) {
    return (
      <Dialog title={t('convert.title')} onClose={onClose}>
        <p role="status">{t('convert.done')}</p>
        <div className="dialog-actions">
          {dealId && <Link href={recordPath('DEAL', dealId)}>{t('convert.openDeal')}</Link>}
          <button type="button" onClick={onClose}>
            {t('record.cancel')}
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title={t('convert.title')} onClose={onClose}>
      <form onSubmit={submit} className="convert-form">
        {contactType && (
          <fieldset>
            <legend>{t('convert.contact')}</legend>
            {choices('contact', contact, setContact)}
            {contact === 'existing' && <RecordPicker type={contactType} value={contactId} onChange={setContactId} label={t('convert.contact')} />}
          </fieldset>
        )}
        {companyType && (
          <fieldset>
            <legend>{t('convert.company')}</legend>
            {choices('company', company, setCompany)}
            {company === 'existing' && <RecordPicker type={companyType} value={companyId} onChange={setCompanyId} label={t('convert.company')} />}
          </fieldset>
        )}
        {dealType && (
          <fieldset>
            <legend>{t('convert.deal')}</legend>
            <label className="check">
              <input type="checkbox" checked={createDeal} onChange={(e) => setCreateDeal(e.target.checked)} />
              {t('convert.new')}
            </label>
            {createDeal && (
              <label>
                {t('convert.pipeline')}
                <select value={pipelineId} onChange={(e) => setPipelineId(e.target.value)}>
                  {(pipelines.data?.pipelines ?? []).map((p) => (
                    <option key={p.id} value={p.isDefault ? '' : p.id}>
                      {p.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </fieldset>
        )}
        {errors.length > 0 && (
          <p className="error" role="alert">
            {errors.join(' ')}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t('record.cancel')}
          </button>
          <button type="submit" className="primary" disabled={fetching}>
            {t('convert.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
