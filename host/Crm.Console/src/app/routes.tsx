import { Route, Switch } from 'wouter';
import { adminRoutes } from '../admin/routes';
import { useI18n } from '../i18n';
import { MyDayPage } from '../pages/MyDay';
import { RecordListPage } from '../pages/list/RecordList';
import { RecordPageRoute } from '../pages/record/RecordPage';
import { DealBoardPage } from '../pages/board/DealBoard';
import { SearchPage } from '../pages/SearchPage';
import { DuplicatesPage } from '../pages/DuplicatesPage';
import { MyJobsPage } from '../jobs/MyJobsPage';
import { useMe } from './me';

export function AppRoutes() {
  const { t } = useI18n();
  const me = useMe();
  return (
    <Switch>
      <Route path="/" component={MyDayPage} />
      <Route path="/records/:type" component={RecordListPage} />
      <Route path="/records/:type/:id" component={RecordPageRoute} />
      <Route path="/search" component={SearchPage} />
      <Route path="/duplicates" component={DuplicatesPage} />
      <Route path="/duplicates/:type" component={DuplicatesPage} />
      <Route path="/jobs" component={MyJobsPage} />
      <Route path="/board" component={DealBoardPage} />
      <Route path="/board/:pipelineId" component={DealBoardPage} />
      {me.canConfigure && adminRoutes.map((r) => <Route key={r.path} path={`/admin${r.path}`} component={r.component} />)}
      <Route>
        <p>{t('app.notFound')}</p>
      </Route>
    </Switch>
  );
}
