/** The demo app: history-based routing between the start page and documents, and the identity. */
import { useCallback, useEffect, useState } from 'react';
import type { PresenceUser } from '../../shared/presence.js';
import { DocumentPage } from './DocumentPage.js';
import { HomePage } from './HomePage.js';
import { loadIdentity, saveIdentity } from './identity.js';
import { routeFor } from './routes.js';

/** Root component. */
export function App() {
  const [route, setRoute] = useState(() => routeFor(window.location.pathname));
  const [user, setUser] = useState<PresenceUser>(loadIdentity);

  useEffect(() => {
    const onPopState = (): void => setRoute(routeFor(window.location.pathname));
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);
  useEffect(() => saveIdentity(user), [user]);
  useEffect(() => {
    if (route.page === 'home') document.title = 'Tandem';
  }, [route]);

  const navigate = useCallback((path: string) => {
    window.history.pushState(null, '', path);
    setRoute(routeFor(window.location.pathname));
  }, []);

  switch (route.page) {
    case 'home':
      return <HomePage user={user} onUserChange={setUser} navigate={navigate} />;
    case 'document':
      return <DocumentPage key={route.name} name={route.name} user={user} onUserChange={setUser} navigate={navigate} />;
    default:
      return route satisfies never;
  }
}
