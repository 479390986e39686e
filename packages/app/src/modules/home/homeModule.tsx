import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { HomePageWidgetBlueprint } from '@backstage/plugin-home-react/alpha';

/** The operator's start: what to look at and where to act. */
const startWidget = HomePageWidgetBlueprint.make({
  name: 'openluffy-start',
  params: {
    name: 'OpenLuffyStart',
    title: 'OpenLuffy',
    description: 'What OpenLuffy does and where to act',
    components: () =>
      import('./ServicesWidget').then(m => ({ Content: m.StartWidget })),
  },
});

/** The watched services with links into their Pull requests and Healing tabs. */
const servicesWidget = HomePageWidgetBlueprint.make({
  name: 'openluffy-services',
  params: {
    name: 'OpenLuffyServices',
    title: 'Services',
    description:
      'Services OpenLuffy watches, with their pull requests and healing',
    components: () =>
      import('./ServicesWidget').then(m => ({ Content: m.ServicesWidget })),
  },
});

export const homeModule = createFrontendModule({
  pluginId: 'home',
  extensions: [startWidget, servicesWidget],
});
