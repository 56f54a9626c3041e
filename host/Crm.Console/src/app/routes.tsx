import { Route, Switch } from 'wouter';
import { adminRoutes } from '../admin/routes';
import { useI18n } from '../i18n';
import { MyDayPage } from '../pages/MyDay';
import { useMe } from './me';

export function AppRoutes() {
  const { t } = useI18n();
  const me = useMe();
  return (
    <Switch>
      <Route path="/" component={MyDayPage} />
      {me.canConfigure && adminRoutes.map((r) => <Route key={r.path} path={`/admin${r.path}`} component={r.component} />)}
      <Route>
        <p>{t('app.notFound')}</p>
      </Route>
    </Switch>
  );
}
